// The activities the worker registers, grouped by the system they touch.
export {};
