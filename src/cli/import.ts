import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AvcmError } from '../errors/index.js';
import type { Deps } from './deps.js';

/**
 * `avcm import config.json > scenario.yaml`: converts the original platform's chaos-test config
 * into an equivalent scenario, checks that it validates, and prints it (or writes `-o FILE`).
 */
export function registerImport(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('import')
    .description("convert the original platform's chaos-test config.json into an equivalent avcm scenario (YAML on stdout)")
    .argument('<config>', 'the chaos-test config.json')
    .option('--name <name>', 'the scenario name (default: imported-<file name>)')
    .option('-o, --output <file>', 'write the scenario here instead of stdout')
    .action(async (configFile: string, options: { name?: string; output?: string }) => {
      const [{ configProblems, convertOriginalConfig, renderConversion, scenarioNameFor }, { formatProblem, parseScenarioText, validateLoaded }] = await Promise.all([
        import('../migrate/index.js'),
        import('../scenario/index.js'),
      ]);
      let text: string;
      try {
        text = await readFile(path.resolve(deps.cwd, configFile), 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
        throw new AvcmError('E_USAGE', `cannot read ${configFile}: ${reason}`);
      }
      let config: unknown;
      try {
        config = JSON.parse(text);
      } catch (error) {
        throw new AvcmError('E_USAGE', `${configFile} is not JSON: ${(error as Error).message}`);
      }
      const problems = configProblems(config);
      if (problems.length > 0) throw new AvcmError('E_USAGE', `${configFile} is not a chaos-test config:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      let conversion;
      try {
        conversion = convertOriginalConfig(config as Parameters<typeof convertOriginalConfig>[0], options.name ?? scenarioNameFor(configFile));
      } catch (error) {
        throw new AvcmError('E_USAGE', `${configFile}: ${(error as Error).message}`);
      }
      const yaml = renderConversion(conversion, configFile);
      // What is printed must be a valid scenario: checked with the same validation as every scenario file.
      const output = options.output ?? 'imported.yaml';
      const validated = validateLoaded(parseScenarioText(yaml, output));
      if (validated.problems.length > 0) {
        for (const p of validated.problems) deps.stderr.write(`${formatProblem(p)}\n`);
        throw new AvcmError('E_USAGE', `the converted scenario is not valid (${validated.problems.length} problem${validated.problems.length === 1 ? '' : 's'} above)`, { hint: 'check the config values, e.g. --name must be lowercase letters, digits, - _ .' });
      }
      if (options.output) {
        const { writeAtomically } = await import('../../reporters/write-atomically.js');
        await writeAtomically(path.resolve(deps.cwd, options.output), yaml);
        deps.stderr.write(`avcm: wrote ${options.output} (${conversion.notes.length} notes at its top)\n`);
      } else {
        deps.stdout.write(yaml);
      }
      setExit(0);
    });
}
