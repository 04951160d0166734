#!/usr/bin/env node
// The `fiberws` command: runs the built CLI.
import "../dist/cli.js";
