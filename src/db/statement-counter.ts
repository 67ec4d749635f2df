/** Counts the SQL statements this process sends, for tests that assert fixed statement counts. */
class StatementCounter {
  private total = 0;
  private recent: string[] = [];

  record(sql: string): void {
    this.total += 1;
    if (this.recent.length < 1000) this.recent.push(sql);
  }

  /** Runs `fn` and returns how many statements (and which) were sent meanwhile. */
  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; count: number; statements: string[] }> {
    const start = this.total;
    this.recent = [];
    const result = await fn();
    return { result, count: this.total - start, statements: [...this.recent] };
  }
}

export const statementCounter = new StatementCounter();
