import { watchQueueHealth } from './queue-health';

const until = async (check: () => boolean, ms = 2_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('watchQueueHealth', () => {
  it('reports the first answer and then each change, a failing ping as offline', async () => {
    const answers: Array<boolean | Error> = [true, true, false, new Error('gone'), true];
    let asked = 0;
    const seen: boolean[] = [];
    const watch = watchQueueHealth(
      {
        ping: async () => {
          const answer = answers[Math.min(asked++, answers.length - 1)]!;
          if (answer instanceof Error) throw answer;
          return answer;
        },
      },
      (online) => seen.push(online),
      5,
    );
    await until(() => asked >= answers.length + 1);
    watch.stop();
    expect(seen).toEqual([true, false, true]);
  });

  it('asks no more once stopped', async () => {
    let asked = 0;
    const watch = watchQueueHealth({ ping: async () => (asked++, true) }, () => undefined, 5);
    await until(() => asked >= 2);
    watch.stop();
    const after = asked;
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toBeLessThanOrEqual(after + 1);
  });
});
