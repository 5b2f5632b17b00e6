/**
 * The folder of a pinned npm package in Deno's cache, for the build and test code that
 * needs files from it (the MediaPipe .tflite models, the TFLite wasm runtime used as a
 * test oracle), not modules. `deno task` installs every package that deno.json's import
 * map or deno.lock names, so these stay out of both: `deno info --no-lock` fetches them
 * into Deno's global cache only, and `deno task demo` never downloads them.
 */
const folders = new Map<string, string>();

export function npmPackageFolder(name: string, version: string): string {
  const spec = `npm:${name}@${version}`;
  const known = folders.get(spec);
  if (known) return known;
  const output = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-lock", "--node-modules-dir=none", spec],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success) {
    throw new Error(`Cannot fetch ${spec} (deno info failed): ${decode(output.stderr).trim()}`);
  }
  const info = JSON.parse(decode(output.stdout)) as {
    npmPackages?: Record<string, { name: string; version: string; localPath?: string }>;
  };
  const entry = Object.values(info.npmPackages ?? {}).find((p) =>
    p.name === name && p.version === version
  );
  if (!entry?.localPath) throw new Error(`deno info did not say where ${spec} is cached`);
  folders.set(spec, entry.localPath);
  return entry.localPath;
}
