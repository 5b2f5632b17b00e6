/**
 * The service and config commands in a hostile environment (issue 14, defects 10 and
 * 12): no systemctl, a systemd that cannot be reached, `%` in a path, a config
 * location that is a file or read-only. One line, exit 1 (or 3 for a missing
 * program), and nothing left that the user did not have before.
 */
import assert from "node:assert/strict";
import { serviceUnit } from "../../src/service/unit.ts";
import { MAIN, PERMISSIONS } from "../cli/_run.ts";
import { oneLine, withDir } from "./_isolated.ts";

const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

/** segcam with only `bin` (and the system's) on PATH, HOME and XDG_CONFIG_HOME in `dir`. */
async function segcamIn(dir: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    clearEnv: true,
    env: {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      HOME: `${dir}/home`,
      XDG_CONFIG_HOME: `${dir}/config`,
      NO_COLOR: "1",
      DENO_DIR,
      ...env,
    },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

async function fakeBin(dir: string, systemctlExit?: number): Promise<void> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.mkdir(`${dir}/home`, { recursive: true });
  await Deno.writeTextFile(`${dir}/bin/segcam`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  if (systemctlExit !== undefined) {
    await Deno.writeTextFile(
      `${dir}/bin/systemctl`,
      `#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit ${systemctlExit}\n`,
      { mode: 0o755 },
    );
  }
}

Deno.test("service uninstall removes the unit even when systemctl cannot be reached, and says so", async () => {
  await withDir(async (dir) => {
    await fakeBin(dir, 1);
    const unit = `${dir}/config/systemd/user/segcam.service`;
    await Deno.mkdir(`${dir}/config/systemd/user`, { recursive: true });
    await Deno.writeTextFile(unit, "[Service]\nExecStart=/old/segcam live --no-tui\n");
    const r = await segcamIn(dir, ["service", "uninstall"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneLine(r),
      new RegExp(
        `^segcam: Removed ${unit}, but could not stop the service: systemctl --user disable --now segcam.service failed: Failed to connect to bus`,
      ),
    );
    assert.equal(await Deno.lstat(unit).then(() => true, () => false), false);
    // No systemctl at all: removed as well.
    await Deno.writeTextFile(unit, "[Service]\n");
    await Deno.remove(`${dir}/bin/systemctl`);
    const none = await segcamIn(dir, ["service", "uninstall"], { PATH: `${dir}/bin` });
    assert.equal(none.code, 3, none.stderr);
    assert.match(
      oneLine(none),
      /^segcam: Removed .*segcam\.service, but could not stop the service: systemctl not found/,
    );
    assert.equal(await Deno.lstat(unit).then(() => true, () => false), false);
  });
});

Deno.test("service install that systemctl refuses leaves no new unit behind", async () => {
  await withDir(async (dir) => {
    await fakeBin(dir, 1);
    const r = await segcamIn(dir, ["service", "install"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r), /daemon-reload failed: Failed to connect to bus/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/config/systemd/user`)], []);
  });
});

Deno.test("serviceUnit(): % and $ in paths are written so that systemd reads them literally", () => {
  const text = serviceUnit({
    segcam: "/home/100%h/$HOME/bin/segcam",
    path: "/home/100%h/bin:/usr/bin",
    configFile: "/c.toml",
  });
  assert.ok(text.includes("\nExecStart=/home/100%%h/$$HOME/bin/segcam live --no-tui\n"), text);
  assert.ok(text.includes("\nEnvironment=PATH=/home/100%%h/bin:/usr/bin\n"), text);
});

Deno.test("config --init and service install with XDG_CONFIG_HOME a file: exit 1 with the path and the fix", async () => {
  await withDir(async (dir) => {
    await fakeBin(dir, 0);
    await Deno.writeTextFile(`${dir}/config`, "I am a file");
    const init = await segcamIn(dir, ["config", "--init"]);
    assert.equal(init.code, 1, init.stderr);
    assert.match(
      oneLine(init),
      new RegExp(
        `^segcam: Cannot create the folder ${dir}/config/segcam: a file stands where a folder is needed on that path; make it a writable folder, or set XDG_CONFIG_HOME`,
      ),
    );
    // service install reads the config file first (config_file.ts says why it cannot).
    const install = await segcamIn(dir, ["service", "install"]);
    assert.equal(install.code, 1, install.stderr);
    assert.match(oneLine(install), new RegExp(`${dir}/config/`));
    assert.equal(await Deno.readTextFile(`${dir}/config`), "I am a file");
  });
});

Deno.test({
  name: "config --init under a read-only HOME: exit 1 with the path and the fix",
  // root writes through any mode bits; a read-only bind mount needs a namespace.
  ignore: Deno.uid() === 0 && !(await canRemount()),
  fn: async () => {
    await withDir(async (dir) => {
      await Deno.mkdir(`${dir}/home`);
      const out = await new Deno.Command("unshare", {
        args: [
          "-m",
          "sh",
          "-c",
          `mount --bind "${dir}/home" "${dir}/home" && mount -o remount,bind,ro "${dir}/home" && exec "$@"`,
          "sh",
          Deno.execPath(),
          "run",
          ...PERMISSIONS,
          MAIN,
          "config",
          "--init",
        ],
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin", HOME: `${dir}/home`, NO_COLOR: "1", DENO_DIR },
        stdin: "null",
      }).output();
      const r = {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        oneLine(r),
        /^segcam: Cannot create the folder .*\/home\/\.config\/segcam: the file system is read-only; make it a writable folder/,
      );
    });
  },
});

async function canRemount(): Promise<boolean> {
  try {
    const dir = await Deno.makeTempDir();
    const { code } = await new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        `mount --bind "${dir}" "${dir}" && mount -o remount,bind,ro "${dir}"`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    await Deno.remove(dir);
    return code === 0;
  } catch {
    return false;
  }
}
