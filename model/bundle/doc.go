// Package bundle signs and verifies privrec bundles: a manifest that names
// every artifact that travels together (weights, catalog and the .wasm) by
// length and SHA-256, and a detached Ed25519 signature over it.
//
// The module runs [Open] on every load request before it decodes a single
// artifact byte, so a compromised CDN or mirror can at worst withhold an
// update: it cannot tamper with, mix, replay (rollback) or freeze one. The
// decisions behind the format are in RATIONALE.md beside this file.
//
// The package is portable: std lib and model/internal/{wire,sha2,ed25519} only, it builds for
// GOOS=wasip1. Every error wraps exactly one sentinel of package model
// (model.ErrBadSignature, model.ErrExpired, …), so callers test with
// errors.Is and the module sends the same codes across the boundary.
package bundle
