// `npm run bench -- --readme` rewrites only the README's Performance section (bench/readme.ts).
import { describe, expect, it } from 'vitest';
import { withPerformanceSection } from '../bench/readme.ts';

describe('README Performance section', () => {
  it('is appended at the end when missing and replaced in place when present', () => {
    const readme = '# attrql\n\n## Usage\n\ntext\n';
    const once = withPerformanceSection(readme, '## Performance\n\nfirst\n');
    expect(once).toBe('# attrql\n\n## Usage\n\ntext\n\n## Performance\n\nfirst\n');
    const twice = withPerformanceSection(once, '## Performance\n\nsecond\n');
    expect(twice).toBe('# attrql\n\n## Usage\n\ntext\n\n## Performance\n\nsecond\n');
    const followed = withPerformanceSection(`${once}\n## Later\n\nmore\n`, '## Performance\n\nthird\n');
    expect(followed).toBe('# attrql\n\n## Usage\n\ntext\n\n## Performance\n\nthird\n\n## Later\n\nmore\n');
  });
});
