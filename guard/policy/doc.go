// Package policy is the counselor-protection policy engine: one tenant's
// rules for what happens when a citizen abuses a counselor.
//
// It is pure. An Engine holds a Config, a Classifier and a clock and nothing
// else; the state it reads — a Contact, the caller Register, the Counselors'
// breaks, the Incidents, the Report — is rebuilt by applying stored events,
// and every decision comes back as events for the caller to store, publish
// and apply. Applying them is the only way the state changes, so the state
// after a restart is the state before it.
//
// In a contact, Check takes each chat message, voice transcript segment or
// acoustic event before the counselor sees it and decides: deliver, mask the
// abusive spans, warn with the scripted text, or end with the closing
// notice. Warn and EndWithNotice are the counselor's buttons, and Actions
// says when they are armed (the 20-minute rule on voice). Ending a contact
// for abuse records a strike in the Register; enough strikes within the
// window open a LegalCase and flag the caller, and Route sends a flagged
// caller's next contact to the dedicated team. AfterContact, at wrap-up,
// runs the history detectors (pranks, drunk long calls, repeated unrelated
// complaints) and gives the counselor a protective break. Sanction, Review,
// Reveal, Note and Exported are the audited human actions; WriteBundle
// writes the evidence ZIP.
//
// See docs/protection.md for what the center calls and stores.
package policy
