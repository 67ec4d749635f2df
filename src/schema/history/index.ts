import './change-types.ts';
import './history-fields.ts';
import './subscriptions.ts';
