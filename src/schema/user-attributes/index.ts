// Typed user attributes with group precedence (Looker), CONTRACT §7.
export {};
