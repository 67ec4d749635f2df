/** An error code as a label: attrql's codes and GraphQL's are upper-case words; anything else is `ERROR`. */
const codeShape = /^[A-Z][A-Z0-9_]{0,63}$/;

interface ResultLike {
  errors?: readonly { extensions?: Record<string, unknown> }[];
}

/** `ok`, or the code of the first error of an execution result (a stream or a batch counts as `ok`). */
export function outcomeOf(result: unknown): string {
  const errors = (result as ResultLike | null)?.errors;
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' && codeShape.test(code) ? code : 'ERROR';
}
