// The one question the rollout asks a person: a yes/no on the terminal. Only `y`/`yes` goes on;
// anything else, end of input (^D) or ^C is a no.
import { createInterface } from 'node:readline';

export function isYes(answer: string): boolean {
  return /^(y|yes)$/i.test(answer.trim());
}

export function askYesNo(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<boolean> {
  return new Promise((resolve) => {
    // terminal follows the input: on a terminal readline reads raw, so ^C comes to it, not as a signal.
    const rl = createInterface({ input, output, terminal: (input as { isTTY?: boolean }).isTTY === true });
    let answered = false;
    const done = (yes: boolean) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(yes);
    };
    // On a terminal readline owns ^C while it reads: without this it would only pause.
    rl.on('SIGINT', () => {
      output.write('\n');
      done(false);
    });
    rl.on('close', () => done(false));
    rl.question(question, (a) => done(isYes(a)));
  });
}
