# Stand-in for OpenWrt's /etc/rc.common, /lib/functions.sh, procd.sh and
# validate_data, written for the package tests (no OpenWrt code): just enough
# to run an init script's start/reload under busybox ash and record what it
# would send to procd. Every procd call is one line in $STUB_LOG.
# Usage: busybox ash rc.sh INITSCRIPT ACTION   (STUB_ETC: the fake /etc)
# shellcheck shell=sh disable=SC3043,SC2034,SC1090

stub_log() { echo "$*" >> "$STUB_LOG"; }

# --- UCI: a config file is shell once config/option/list are functions. ---
config() {
	CONFIG_SECTION="$2"
	eval "CONFIG_${2}_TYPE=\$1"
	CONFIG_SECTIONS="$CONFIG_SECTIONS $2"
}
option() { eval "CONFIG_${CONFIG_SECTION}_$1=\$2"; }
list() { eval "CONFIG_${CONFIG_SECTION}_$1=\"\${CONFIG_${CONFIG_SECTION}_$1:+\$CONFIG_${CONFIG_SECTION}_$1 }\$2\""; }
config_load() {
	local s
	for s in $CONFIG_SECTIONS; do unset "CONFIG_${s}_TYPE"; done
	CONFIG_SECTIONS=
	[ -f "$STUB_ETC/config/$1" ] && . "$STUB_ETC/config/$1"
	return 0
}
config_get() {
	if [ $# -le 2 ]; then
		eval "echo \"\${CONFIG_${1}_${2}}\""
	else
		eval "$1=\"\${CONFIG_${2}_${3}:-\$4}\""
	fi
}
config_get_bool() {
	local v
	config_get v "$2" "$3" "$4"
	case "$v" in 1|on|true|yes|enabled) v=1 ;; 0|off|false|no|disabled) v=0 ;; *) v="$4" ;; esac
	eval "$1=\$v"
}
config_foreach() {
	local fn="$1" type="$2" s t
	shift 2
	for s in $CONFIG_SECTIONS; do
		config_get t "$s" TYPE
		[ "$t" = "$type" ] && "$fn" "$s" "$@"
	done
}

# --- validate_data's documented behaviour for the types the script uses: an
# unset option takes its default; an invalid value is unset and fails the call.
stub_valid() { # type value
	case "$1" in
	bool) case "$2" in 0|1|on|off|true|false|yes|no|enabled|disabled) return 0 ;; esac; return 1 ;;
	uinteger) echo "$2" | grep -Eq '^[0-9]+$' ;;
	string) return 0 ;;
	cidr4) echo "$2" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}(/([0-9]|[12][0-9]|3[0-2]))?$' ;;
	range\(*) local lo hi; lo="${1#range(}"; hi="${lo#*,}"; lo="${lo%%,*}"; hi="${hi%)}"
		echo "$2" | grep -Eq '^[0-9]+$' && [ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ] ;;
	regex\(*) local re="${1#regex(\'}"; re="${re%\')}"; echo "$2" | grep -Eq "^$re\$" ;;
	*) echo "stub: unknown type $1" >&2; return 1 ;;
	esac
}
uci_load_validate() {
	local package="$1" type="$2" name="$3" fn="$4" tuple opt rest dtype def val rc=0
	shift 4
	if [ -z "$name" ]; then
		# validate_data prints this for procd_add_validation; the shell evals it.
		local out="json_add_object; json_add_string \"package\" \"$package\"; json_add_string \"type\" \"$type\"; json_add_object \"data\"; "
		for tuple in "$@"; do
			opt="${tuple%%:*}"; rest="${tuple#*:}"; dtype="${rest%%:*}"
			out="$out json_add_string \"$opt\" \"$dtype\"; "
		done
		eval "$out json_close_object; json_close_object;"
		return 0
	fi
	for tuple in "$@"; do eval "local ${tuple%%:*}"; done
	for tuple in "$@"; do
		# option:type[:default], split at the first colons as validate_data does
		opt="${tuple%%:*}"; rest="${tuple#*:}"; dtype="${rest%%:*}"; def=
		[ "$dtype" = "$rest" ] || def="${rest#*:}"
		config_get val "$name" "$opt"
		[ -n "$val" ] || val="$def"
		if [ -n "$val" ] && ! stub_valid "$dtype" "$val"; then
			echo "$package.$name.$opt=$val validates as $dtype with false" >&2
			unset "$opt"; rc=255; continue
		fi
		case "$dtype" in bool) case "$val" in 1|on|true|yes|enabled) val=1 ;; 0|off|false|no|disabled) val=0 ;; esac ;; esac
		eval "$opt=\$val"
	done
	[ -n "$fn" ] || return $rc
	"$fn" "$name" "$rc"
}

# --- procd.sh's API, recorded instead of sent to procd over ubus. ---
json_add_object() { stub_log "json_add_object $*"; }
json_add_string() { stub_log "json_add_string $*"; }
json_close_object() { stub_log "json_close_object"; }
procd_open_instance() { stub_log "open_instance $*"; }
procd_set_param() { stub_log "set_param $*"; }
procd_append_param() { stub_log "append_param $*"; }
procd_close_instance() { stub_log "close_instance"; }
procd_add_reload_trigger() { stub_log "reload_trigger $*"; }
procd_add_reload_interface_trigger() { stub_log "interface_trigger $*"; }
procd_add_validation() { stub_log "validation $*"; "$@"; }
service_triggers() { return 0; }

initscript="$1"
action="$2"
. "$initscript"
stub_start() {
	stub_log "open_service $(basename "$initscript")"
	start_service
	stub_log "start_service_rc $?"
	service_triggers
	stub_log "close_service set"
}
start() { stub_start; }
case "$action" in
start) start ;;
reload) reload_service ;;
*) echo "stub rc: unknown action $action" >&2; exit 2 ;;
esac
