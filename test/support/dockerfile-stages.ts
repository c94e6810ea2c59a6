import { Copy, DockerfileParser, Env, From, Instruction, JSONInstruction } from 'dockerfile-ast';

/** One step of a stage, in Dockerfile order. */
export type StageStep =
  { kind: 'copy'; from: string | null; sources: string[]; dest: string } | { kind: 'run'; command: string };

/** A `FROM … AS name` stage, reduced to what a stage does to its files and how it starts. */
export interface DockerStage {
  name: string;
  image: string;
  workdir: string;
  env: Record<string, string>;
  steps: StageStep[];
  cmd: string[] | null;
}

/** Instructions that only change the image's metadata or ownership, not the files a build step sees. */
const METADATA = new Set(['USER', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'STOPSIGNAL', 'ARG', 'SHELL', 'VOLUME']);

/**
 * The stages of a Dockerfile as the image check replays them. Anything it cannot replay faithfully
 * (ADD, globs, heredocs, shell-form CMD) is an error rather than a guess.
 */
export function parseDockerStages(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const stage = stages[stages.length - 1];
    if (keyword === 'FROM') {
      const from = instruction as From;
      const name = from.getBuildStage() ?? String(stages.length);
      stages.push({ name, image: from.getImage() ?? '', workdir: '/', env: {}, steps: [], cmd: null });
    } else if (!stage) {
      if (keyword !== 'ARG') throw new Error(`line ${line(instruction)}: ${keyword} before FROM`);
    } else if (keyword === 'WORKDIR') {
      stage.workdir = resolvePosix(stage.workdir, instruction.getArguments()[0].getValue());
    } else if (keyword === 'ENV') {
      for (const p of (instruction as Env).getProperties())
        stage.env[p.getName()] = p.getUnescapedValue() ?? '';
    } else if (keyword === 'COPY') {
      stage.steps.push(copyStep(instruction as Copy));
    } else if (keyword === 'RUN') {
      stage.steps.push({ kind: 'run', command: instruction.getArgumentsContent() ?? '' });
    } else if (keyword === 'CMD') {
      const json = (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
      if (json.length === 0)
        throw new Error(`line ${line(instruction)}: CMD must be in exec form ["node", …]`);
      stage.cmd = json;
    } else if (!METADATA.has(keyword)) {
      throw new Error(`line ${line(instruction)}: the image check cannot replay ${keyword}`);
    }
  }
  return stages;
}

function copyStep(copy: Copy): StageStep {
  const flags = new Map(copy.getFlags().map((f) => [f.getName(), f.getValue()]));
  const args = copy.getArguments().map((a) => a.getValue());
  if (copy.getJSONStrings().length > 0 || args.length < 2 || args.some((a) => /[*?[]/.test(a))) {
    throw new Error(`line ${line(copy)}: the image check replays only plain COPY <paths…> <dest>`);
  }
  return {
    kind: 'copy',
    from: flags.get('from') ?? null,
    sources: args.slice(0, -1),
    dest: args[args.length - 1],
  };
}

/** `to` against the POSIX directory `from`, as WORKDIR and COPY resolve it inside the image. */
export function resolvePosix(from: string, to: string): string {
  const parts = (to.startsWith('/') ? to : `${from}/${to}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '' && part !== '.') out.push(part);
  }
  return `/${out.join('/')}`;
}

function line(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}
