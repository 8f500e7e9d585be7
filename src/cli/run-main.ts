// How the short-lived commands (ddhcpdctl, ddhcpd-gluon) run: the exit code
// main() resolves to, or 1 with one "internal error" line if it throws.

export function runMain(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
