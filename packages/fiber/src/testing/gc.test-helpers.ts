// A full garbage collection on demand, for tests that check what stays alive.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Run two full garbage collections (the second catches what the first's finalizers freed). */
export function collectGarbage(): void {
  gc();
  gc();
}
