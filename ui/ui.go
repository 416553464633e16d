// Package ui embeds the built web front end.
//
// dist/ is produced by `npm ci && npm run build` in this directory; on a fresh
// clone it holds only .keep, so the Go build works before the front end is
// built (the server then has no pages to serve).
package ui

import "embed"

// Dist holds index.html (staff app), chat.html (citizen chat), embed.js and
// assets/.
//
//go:embed all:dist
var Dist embed.FS
