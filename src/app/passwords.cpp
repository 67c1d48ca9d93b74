#include "app/passwords.hpp"

#include <sodium.h>

#include <istream>
#include <ostream>
#include <stdexcept>

namespace carebridge::app {

std::string hash_password(const std::string& password) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.c_str(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("crypto_pwhash_str failed (out of memory?)");
    return out;
}

void hash_plain_passwords(PlatformConfig& config) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    for (auto& agent : config.agents) {
        if (agent.password.empty()) continue;
        // The minimum cost on purpose: the plain text sits in the config file, so a costly hash
        // of it protects nothing, while it would cost every start-up and sign-in 0.1-1 s of the
        // engine thread. Deployments set password_hash (interactive cost) instead.
        char out[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(out, agent.password.c_str(), agent.password.size(), crypto_pwhash_OPSLIMIT_MIN,
                              crypto_pwhash_MEMLIMIT_MIN) != 0)
            throw std::runtime_error("crypto_pwhash_str failed (out of memory?)");
        agent.password_hash = out;
        sodium_memzero(agent.password.data(), agent.password.size());
        agent.password.clear();
    }
}

int run_hash_password(std::istream& in, std::ostream& out, std::ostream& err) {
    std::string password;
    if (!std::getline(in, password) || password.empty()) {
        err << "carebridge hash-password: type the password on standard input (one line)\n";
        return 2;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    try {
        out << hash_password(password) << "\n";
    } catch (const std::exception& e) {
        err << "carebridge hash-password: " << e.what() << "\n";
        return 1;
    }
    sodium_memzero(password.data(), password.size());
    return 0;
}

}  // namespace carebridge::app
