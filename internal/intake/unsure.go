package intake

// FieldUnsure is a reading the request itself is not sure of ("It MAY still
// send password resets … Nobody has confirmed", "I think it uses
// tracking-app, but it might still be on the old 'printer' user. Ilse can
// check", "not decided"): an open item at the top that asks whoever the
// request names (Values) to confirm it, holding the steps of the secrets it
// is about (review17-cold5 P8: hedges were dropped or asked as the wrong
// question).
const FieldUnsure = "unsure"
