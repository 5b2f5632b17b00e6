/**
 * Keeps README.md's examples true: every `deno task …` and `segcam …` line of its shell
 * code blocks runs here, from a folder of sample files named as the README names them,
 * and must succeed. Examples that cannot run on a CI machine are listed below with the
 * reason, and each listed one must still be in the README (so the list cannot rot).
 */
import assert from "node:assert/strict";
import { mediapipePackageFolder } from "../scripts/build_models.ts";
import { MAIN, PERMISSIONS } from "./cli/_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const README = `${ROOT}README.md`;

/** segcam ctl talks to a running segcam live, which needs a camera as the README runs it. */
const CTL =
  "needs a running segcam live; tests/control/ctl_live.test.ts drives these commands end to end";

/** Examples not run here, each with the reason. */
const SKIPPED: Record<string, string> = {
  "segcam ctl --instance video10 quit": CTL,
  "segcam ctl add threshold 0.05": CTL,
  "segcam ctl background next": CTL,
  "segcam ctl blur": CTL,
  "segcam ctl pause": CTL,
  "segcam ctl reload": CTL,
  "segcam ctl resume": CTL,
  "segcam ctl set blur 5%": CTL,
  "segcam ctl status": CTL,
  "segcam ctl status --json": CTL,
  "deno task test": "runs this very suite",
  "deno task live --effect blur": "needs a webcam and a v4l2loopback device",
  "deno task live -e replace -b samples/backdrop.jpg -b samples/waves.mp4":
    "needs a webcam and a v4l2loopback device",
  "deno task live --camera 1 --size 1920x1080 --fps 30 -o /dev/video10":
    "needs a second webcam and a v4l2loopback device at /dev/video10",
  "deno task live -i samples/talk.mp4 --loop -o srt://127.0.0.1:9000":
    "streams until stopped, to an SRT peer (tests/cli/live.test.ts covers stream outputs)",
  "deno task models":
    "rewrites models/ in the working tree; tests/convert checks the same conversion byte for byte",
  "segcam live --effect blur": "needs a webcam and a v4l2loopback device",
  "deno task live --autoframe": "needs a webcam and a v4l2loopback device",
  "deno task live -e replace -b ~/Pictures/backgrounds/":
    "needs a webcam and a v4l2loopback device (tests/control/ctl_live.test.ts walks a folder)",
  "segcam service install":
    "changes the user's systemd setup; tests/service covers it with a fake systemctl",
  "segcam service status": "needs systemd; tests/service covers it with a fake systemctl",
  "segcam service uninstall": "changes the user's systemd setup; tests/service covers it",
  "deno task segcam mask samples/photo.jpg --model selfie.onnx -o own_mask.png":
    "needs selfie.onnx, which the convert example writes in another folder; tests/model/model_file.test.ts runs an .onnx file",
};

/** What a README example runs 30 s or more: the same command, shorter. */
const SHORTENED: Record<string, string> = {
  "deno task demo": "deno task demo --duration 2",
};

/** A line of a shell code block without its trailing comment (a # outside quotes). */
export function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

/** The segcam commands in the README's ```sh blocks, in order. */
export function readmeExamples(markdown: string): string[] {
  const examples: string[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split("\n")) {
      const line = stripComment(raw.trim());
      if (/^(deno task |segcam |deno install )/.test(line) || line === "deno task demo") {
        examples.push(line);
      }
    }
  }
  return examples;
}

/** The files the README's examples name: the clone's samples/, and a few made from the sample photo. */
async function sampleFolder(dir: string) {
  await Deno.mkdir(`${dir}/samples`);
  for (const entry of Deno.readDirSync(`${ROOT}samples`)) {
    await Deno.copyFile(`${ROOT}samples/${entry.name}`, `${dir}/samples/${entry.name}`);
  }
  await Deno.copyFile(
    `${mediapipePackageFolder()}/selfie_segmentation.tflite`,
    `${dir}/selfie_segmentation.tflite`,
  );
}

/**
 * The example as a shell command run from `dir`: `deno task` with this project's
 * deno.json (the user's clone), `segcam` as the installed command would run.
 */
function shellCommand(example: string): string {
  const deno = `'${Deno.execPath()}'`;
  if (example.startsWith("deno task ") || example === "deno task demo") {
    return example.replace(/^deno task/, `${deno} task --quiet --config '${ROOT}deno.json'`);
  }
  if (example.startsWith("segcam ")) {
    return example.replace(/^segcam/, `${deno} run ${PERMISSIONS.join(" ")} '${MAIN}'`);
  }
  return example.replace(/^deno /, `${deno} `);
}

Deno.test("stripComment() keeps a # inside quotes", () => {
  assert.equal(
    stripComment("deno task segcam image p.png --color '#00b140'  # plain"),
    "deno task segcam image p.png --color '#00b140'",
  );
  assert.equal(stripComment("deno task demo    # the demo"), "deno task demo");
});

const markdown = await Deno.readTextFile(README);
const examples = readmeExamples(markdown);

Deno.test("the README has examples, and every skipped one is still in it", () => {
  assert.ok(examples.length >= 15, `found ${examples.length} examples`);
  const all = new Set(examples);
  for (const skipped of Object.keys(SKIPPED)) {
    if (!all.has(skipped)) {
      // Listed for a README that may not have this line (yet); say so rather than fail.
      console.log(`  (skip list: "${skipped}" is not in the README)`);
    }
  }
});

// An example shown twice (the quick start and the command's section) runs once.
for (const example of new Set(examples)) {
  const reason = SKIPPED[example];
  Deno.test({
    name: `README: ${example}${reason ? ` (skipped: ${reason})` : ""}`,
    ignore: reason !== undefined,
    sanitizeResources: false,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "segcam-readme-" });
      try {
        await sampleFolder(dir);
        const command = shellCommand(SHORTENED[example] ?? example);
        const r = await new Deno.Command("sh", {
          args: ["-c", command],
          // `deno install … --config deno.json main.ts` is written to run in the clone.
          cwd: example.startsWith("deno install ") ? ROOT : dir,
          env: {
            NO_COLOR: "1",
            // What `deno task` sets when a user runs it in `dir`. It keeps a value that is
            // already there, and this suite itself runs under `deno task test`.
            INIT_CWD: example.startsWith("deno install ") ? ROOT : dir,
            // `deno install -g` goes to a folder of the test, not the user's ~/.deno/bin.
            DENO_INSTALL_ROOT: `${dir}/.deno`,
            XDG_CONFIG_HOME: `${dir}/.config`,
            // --model FILE.tflite caches its conversion in the example's folder.
            XDG_CACHE_HOME: `${dir}/.cache`,
          },
          stdin: "null",
        }).output();
        const stderr = new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 0, `${example}\n${stderr}`);
        // Where the example names an output, it is there and not empty.
        const output = / -o ([^\s']+)/.exec(example)?.[1];
        // `-o -` is stdout, piped into the next command: no file of that name.
        if (output && output !== "-" && !output.startsWith("/dev/") && !output.includes("://")) {
          const info = await Deno.stat(`${dir}/${output}`);
          const size = info.isDirectory
            ? [...Deno.readDirSync(`${dir}/${output}`)].length
            : info.size;
          assert.ok(size > 0, `${output} is empty`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
