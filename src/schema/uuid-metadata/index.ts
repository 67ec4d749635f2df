// UUID metadata (PubNub App Context), CONTRACT §6.
export {};
