/**
 * The person-side records the domain hands to the transports (GraphQL, REST), exactly as the database layer reads
 * them. Transports take these types from here, so nothing above the domain depends on the database layer.
 */
export type { AttributeBucket, Person, Role } from '../../db/client.ts';
