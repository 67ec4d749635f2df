// A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (CI logs).

export interface Progress {
  update(done: number): void;
  done(note?: string): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const width = 30;
  let lastDecile = -1;
  let lastDraw = 0;
  const line = (done: number) => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(fraction * width);
    const seconds = (Date.now() - started) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` eta ${Math.ceil((seconds / fraction) * (1 - fraction))} s` : '';
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${seconds.toFixed(1)} s${eta}`;
  };
  return {
    update(done) {
      if (stream.isTTY) {
        if (Date.now() - lastDraw < 100 && done < total) return;
        lastDraw = Date.now();
        stream.write(`\r${line(done)}\x1b[K`);
      } else {
        const decile = Math.floor((done / Math.max(1, total)) * 10);
        if (decile !== lastDecile && done < total) {
          lastDecile = decile;
          stream.write(`${line(done)}\n`);
        }
      }
    },
    done(note = '') {
      stream.write(
        `${stream.isTTY ? '\r' : ''}${line(total)}${note ? ` ${note}` : ''}${stream.isTTY ? '\x1b[K' : ''}\n`,
      );
    },
  };
}
