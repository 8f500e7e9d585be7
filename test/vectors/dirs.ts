// Where the recorded vectors live: beside this file, copied unchanged from the
// recordings of the real C daemon, ubusd and rpcd (each folder's README says how
// they were made). An environment variable points a run at another recording.

import path from 'node:path';

export const DDHCP_VECTORS = process.env['DDHCP_VECTORS'] ?? path.join(__dirname, 'ddhcp-vectors');
export const CTL_VECTORS = process.env['CTL_VECTORS'] ?? path.join(__dirname, 'ctl-vectors');
export const UBUS_VECTORS = process.env['UBUS_VECTORS'] ?? path.join(__dirname, 'ubus-vectors');
