// Typed user attributes with group precedence (Looker), CONTRACT §7.
import './types.ts';
import './user-attributes.ts';
import './create-user-attribute.ts';
import './update-user-attribute.ts';
import './group-values.ts';
import './attribute-values.ts';
import './set-user-attribute-value.ts';
import './my-attribute-values.ts';
