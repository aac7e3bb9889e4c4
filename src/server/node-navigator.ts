/**
 * Node 21 and later have a global `navigator` (`userAgent` "Node.js/<major>"); Node 20 has none. pg probes its
 * runtime through `navigator.userAgent` and, when it is missing, by constructing a `Response`, whose first use loads
 * Node 20's whole fetch implementation (undici): about 20 ms of every start of the console, for an object it drops.
 * Giving Node 20 the `navigator` later releases have answers the probe at once, and no package sees anything a later
 * Node would not show it.
 */
export function provideNodeNavigator(): void {
  if ('navigator' in globalThis) return;
  const major = process.versions.node.split('.')[0];
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${major}` }),
    configurable: true,
    enumerable: false,
    writable: true,
  });
}
