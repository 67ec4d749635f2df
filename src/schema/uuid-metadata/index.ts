// UUID metadata (PubNub App Context), CONTRACT §6.
import './uuid-metadata-type.ts';
import './uuid-metadata-query.ts';
import './set-uuid-metadata.ts';
import './remove-uuid-metadata.ts';
