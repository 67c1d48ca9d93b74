#pragma once
// Agent passwords as salted Argon2id hashes (libsodium crypto_pwhash_str): what
// `carebridge hash-password` prints, and what plain demo passwords become at load.
#include <iosfwd>
#include <string>

#include "app/config.hpp"

namespace carebridge::app {

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" for password (interactive limits: ~0.1 s and
// 64 MiB per sign-in attempt). Throws std::runtime_error when libsodium fails (out of memory).
std::string hash_password(const std::string& password);

// Replaces every agent's plain `password` with its hash (minimum cost: see passwords.cpp) and
// wipes the plain text, so sign-in has one constant-time path (crypto_pwhash_str_verify) and
// no plain secret stays in memory.
void hash_plain_passwords(PlatformConfig& config);

// `carebridge hash-password`: reads one password line from in, prints its hash to out.
int run_hash_password(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace carebridge::app
