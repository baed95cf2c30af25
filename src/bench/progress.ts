// A one-line progress bar on a terminal (stderr), redrawn a few times a
// second while the run goes, erased when it ends.

export interface ProgressSource {
  /** 0..1 of the run done. */
  fraction(): number;
  /** Measured completions so far. */
  completed(): number;
}

const WIDTH = 30;
const REDRAW_MS = 200;

export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly source: ProgressSource,
  ) {}

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    // The bar must never be what keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    const fraction = Math.min(1, Math.max(0, this.source.fraction()));
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
    this.stream.write(`\r\x1b[2K${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${this.source.completed()} done`);
  }
}
