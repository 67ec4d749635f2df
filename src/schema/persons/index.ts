import './person-type.ts';
import './person-queries.ts';
import './create-person.ts';
import './mint-person-token.ts';
