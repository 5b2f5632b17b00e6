import assert from "node:assert/strict";
import { serviceUnit, unitPath } from "../../src/service/unit.ts";
import { MAIN, PERMISSIONS, withTempDir } from "../cli/_run.ts";

Deno.test("serviceUnit(): the unit runs the installed segcam live --no-tui, restarting on failure", () => {
  assert.equal(
    serviceUnit({
      segcam: "/home/ada/.deno/bin/segcam",
      path: "/home/ada/.deno/bin:/usr/bin:/bin",
      configFile: "/home/ada/.config/segcam/config.toml",
    }),
    `# Written by \`segcam service install\`; \`segcam service uninstall\` removes it.
# The settings (camera, output, effect, …) are read from /home/ada/.config/segcam/config.toml
# at every start, and again on systemctl --user reload segcam or an edit of the file
# (settings and backgrounds; the camera, output and model need a restart).
[Unit]
Description=segcam: webcam, background effect, virtual camera

[Service]
ExecStart=/home/ada/.deno/bin/segcam live --no-tui
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5
Environment=PATH=/home/ada/.deno/bin:/usr/bin:/bin
Environment=NO_COLOR=1

[Install]
WantedBy=default.target
`,
  );
});

Deno.test("serviceUnit(): paths with spaces are quoted as systemd expects", () => {
  const text = serviceUnit({
    segcam: "/home/a b/.deno/bin/segcam",
    path: "/home/a b/bin:/usr/bin",
    configFile: "/c.toml",
  });
  assert.ok(text.includes('\nExecStart="/home/a b/.deno/bin/segcam" live --no-tui\n'));
  assert.ok(text.includes('\nEnvironment="PATH=/home/a b/bin:/usr/bin"\n'));
});

Deno.test("unitPath(): under $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user", () => {
  assert.equal(
    unitPath((n) => ({ XDG_CONFIG_HOME: "/x", HOME: "/h" } as Record<string, string>)[n]),
    "/x/systemd/user/segcam.service",
  );
  assert.equal(
    unitPath((n) => ({ HOME: "/h" } as Record<string, string>)[n]),
    "/h/.config/systemd/user/segcam.service",
  );
});

const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
const denoDir = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));

interface Sandbox {
  dir: string;
  bin: string;
  unit: string;
  log: string;
  run(args: string[], extraEnv?: Record<string, string>): Promise<
    { code: number; stdout: string; stderr: string }
  >;
  calls(): Promise<string[]>;
}

/**
 * A temporary HOME and XDG_CONFIG_HOME, a fake `segcam` launcher and a fake `systemctl`
 * on PATH that records its arguments (exit code from FAKE_SYSTEMCTL_EXIT).
 */
async function withSandbox(
  options: { systemctl?: boolean; segcam?: boolean },
  fn: (s: Sandbox) => Promise<void>,
) {
  await withTempDir(async (dir) => {
    const bin = `${dir}/bin`;
    await Deno.mkdir(bin);
    await Deno.mkdir(`${dir}/home`);
    const log = `${dir}/systemctl.log`;
    if (options.systemctl ?? true) {
      await Deno.writeTextFile(
        `${bin}/systemctl`,
        `#!/bin/sh\necho "$*" >> '${log}'\n` +
          `[ "$2" = status ] && echo "● segcam.service - fake status"\n` +
          `[ -n "$FAKE_SYSTEMCTL_STDERR" ] && echo "$FAKE_SYSTEMCTL_STDERR" >&2\n` +
          `exit \${FAKE_SYSTEMCTL_EXIT:-0}\n`,
        { mode: 0o755 },
      );
    }
    if (options.segcam ?? true) {
      await Deno.writeTextFile(`${bin}/segcam`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
    await fn({
      dir,
      bin,
      log,
      unit: `${dir}/config/systemd/user/segcam.service`,
      run: async (args, extraEnv = {}) => {
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["run", ...PERMISSIONS, MAIN, ...args],
          clearEnv: true,
          env: {
            PATH: `${bin}:/usr/bin:/bin`,
            HOME: `${dir}/home`,
            XDG_CONFIG_HOME: `${dir}/config`,
            NO_COLOR: "1",
            // Deno's own cache, which it would otherwise look for under the fake HOME.
            DENO_DIR: DENO_DIR,
            ...extraEnv,
          },
          stdin: "null",
        }).output();
        const decode = (b: Uint8Array) => new TextDecoder().decode(b);
        return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
      },
      calls: async () =>
        (await Deno.readTextFile(log).catch(() => "")).split("\n").filter((l) => l !== ""),
    });
  });
}

Deno.test("service install writes the unit, reloads systemd and enables it now", async () => {
  await withSandbox({}, async (s) => {
    const r = await s.run(["service", "install"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Wrote ${s.unit}\nsegcam runs now and at every login; logs: journalctl --user -u segcam -f; stop it: segcam service uninstall\n`,
    );
    assert.equal(
      await Deno.readTextFile(s.unit),
      serviceUnit({
        segcam: `${s.bin}/segcam`,
        path: `${denoDir}:${s.bin}:/usr/bin:/bin`,
        configFile: `${s.dir}/config/segcam/config.toml`,
      }),
    );
    assert.deepEqual(await s.calls(), [
      "--user daemon-reload",
      "--user enable --now segcam.service",
    ]);
    // Installing again replaces the unit and leaves no temporary file behind.
    assert.equal((await s.run(["service", "install"])).code, 0);
    assert.deepEqual([...Deno.readDirSync(`${s.dir}/config/systemd/user`)].map((e) => e.name), [
      "segcam.service",
    ]);
  });
});

Deno.test("service status reports the unit and systemctl's status; uninstall disables and removes it", async () => {
  await withSandbox({}, async (s) => {
    const before = await s.run(["service", "status"]);
    assert.equal(before.code, 0);
    assert.equal(
      before.stdout,
      `segcam service is not installed (no ${s.unit}); segcam service install sets it up\n`,
    );
    await s.run(["service", "install"]);
    const status = await s.run(["service", "status"], { FAKE_SYSTEMCTL_EXIT: "3" });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout, `unit: ${s.unit}\n● segcam.service - fake status\n`);
    const r = await s.run(["service", "uninstall"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Stopped segcam service and removed ${s.unit}\n`);
    assert.equal(await Deno.lstat(s.unit).then(() => true, () => false), false);
    assert.deepEqual((await s.calls()).slice(2), [
      "--user status --no-pager segcam.service",
      "--user disable --now segcam.service",
      "--user daemon-reload",
    ]);
    const again = await s.run(["service", "uninstall"]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, `segcam service is not installed (no ${s.unit}); nothing to do\n`);
  });
});

Deno.test("service install without systemctl: one line and exit 3, and no unit written", async () => {
  await withSandbox({ systemctl: false }, async (s) => {
    const r = await s.run(["service", "install"], { PATH: s.bin });
    assert.equal(r.code, 3);
    assert.equal(
      r.stderr,
      "segcam: systemctl not found: segcam service needs systemd (most Linux desktops); without it, start segcam live from your session's autostart instead\n",
    );
    assert.equal(await Deno.lstat(s.unit).then(() => true, () => false), false);
  });
});

Deno.test("service install when systemctl fails: its reason and a fix in one line, exit 1", async () => {
  await withSandbox({}, async (s) => {
    const r = await s.run(["service", "install"], {
      FAKE_SYSTEMCTL_EXIT: "1",
      FAKE_SYSTEMCTL_STDERR: "Failed to connect to bus: No medium found",
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "segcam: systemctl --user daemon-reload failed: Failed to connect to bus: No medium found; run it from your desktop session, where systemd --user runs\n",
    );
  });
});

Deno.test("service install without an installed segcam: one line naming deno task install, exit 3", async () => {
  await withSandbox({ segcam: false }, async (s) => {
    const r = await s.run(["service", "install"]);
    assert.equal(r.code, 3);
    assert.equal(
      r.stderr,
      `segcam: segcam is not installed as a command (not on PATH, nor in ${s.dir}/home/.deno/bin): run deno task install in segcam's folder first; the service runs that command\n`,
    );
    assert.deepEqual(await s.calls(), []);
  });
});

Deno.test("service install finds the segcam deno task install wrote to ~/.deno/bin when that folder is not on PATH", async () => {
  await withSandbox({ segcam: false }, async (s) => {
    // What `deno task install` leaves when Deno came from npm: the command in
    // ~/.deno/bin and "Add ~/.deno/bin to PATH" printed, not done.
    const installed = `${s.dir}/home/.deno/bin`;
    await Deno.mkdir(installed, { recursive: true });
    await Deno.writeTextFile(`${installed}/segcam`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const r = await s.run(["service", "install"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `segcam: note: ${installed}/segcam is not on your PATH, so the service runs it by its full path; to type segcam in a terminal, add to ~/.bashrc or ~/.zshrc: export PATH="${installed}:$PATH"\n`,
    );
    assert.match(
      await Deno.readTextFile(s.unit),
      new RegExp(`\nExecStart=${installed}/segcam live --no-tui\n`),
    );
    // DENO_INSTALL_ROOT moves it, as it moves deno install's target.
    await Deno.remove(s.unit);
    const root = `${s.dir}/elsewhere`;
    await Deno.mkdir(`${root}/bin`, { recursive: true });
    await Deno.rename(`${installed}/segcam`, `${root}/bin/segcam`);
    const moved = await s.run(["service", "install"], { DENO_INSTALL_ROOT: root });
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(
      await Deno.readTextFile(s.unit),
      new RegExp(`\nExecStart=${root}/bin/segcam live --no-tui\n`),
    );
  });
});

Deno.test("service install with a settings file naming a background that is not there: refused before writing the unit, exit 2", async () => {
  await withSandbox({}, async (s) => {
    await Deno.mkdir(`${s.dir}/config/segcam`, { recursive: true });
    await Deno.writeTextFile(
      `${s.dir}/config/segcam/config.toml`,
      `[live]\nbackground = "~/gone.jpg"\n`,
    );
    const r = await s.run(["service", "install"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `segcam: ${s.dir}/config/segcam/config.toml: [live] background = "~/gone.jpg": ${s.dir}/home/gone.jpg does not exist; fix the path or delete the line\n`,
    );
    assert.deepEqual(await s.calls(), []);
    assert.equal(await Deno.stat(s.unit).then(() => true, () => false), false);
  });
});

Deno.test("service install with a bad config: refused before writing the unit, exit 2", async () => {
  await withSandbox({}, async (s) => {
    await Deno.mkdir(`${s.dir}/config/segcam`, { recursive: true });
    await Deno.writeTextFile(`${s.dir}/config/segcam/config.toml`, "[live]\nfps = -1\n");
    const r = await s.run(["service", "install"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `segcam: ${s.dir}/config/segcam/config.toml: [live] fps = -1: fps takes a whole number from 1 to 240; fix it or delete the line\n`,
    );
    assert.equal(await Deno.lstat(s.unit).then(() => true, () => false), false);
    assert.deepEqual(await s.calls(), []);
  });
});
