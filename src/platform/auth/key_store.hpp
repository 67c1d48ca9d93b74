#pragma once
// The signing keys on disk, in the platform's data_dir:
//   signing-key.pem           the current key (created on first start)
//   signing-key.previous.pem  the key before the last rotation (absent until one)
// rotate_keys() (`carebridge rotate-keys`) makes a new current key and keeps the old current as
// previous, dropping the one before. A running platform notices the change of the current file
// (KeyFileWatch) and reloads both, so rotation needs no restart.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "platform/auth/jwt.hpp"

namespace carebridge::auth {

struct KeyPaths {
    std::filesystem::path current, previous;
    static KeyPaths in(const std::filesystem::path& data_dir);
};

struct StoredKeys {
    SigningKey current;
    std::optional<SigningKey> previous;
};

// The current key (created if missing) and the previous one if its file exists. Throws
// std::runtime_error naming the file that cannot be read or parsed.
StoredKeys load_keys(const std::filesystem::path& data_dir);

struct Rotation {
    std::string current_kid;   // the new key
    std::string previous_kid;  // the key that was current
    std::string dropped_kid;   // the key that was previous (empty: there was none)
};
// Generates a new current key; the old current becomes previous. Each file is written to a
// private temporary (0600) and renamed into place, previous first, so a crash in between leaves
// at worst current == previous (harmless; rotate again). Run one rotation at a time.
Rotation rotate_keys(const std::filesystem::path& data_dir);

// Tells when the current key file was replaced (inode, size or modification time changed).
class KeyFileWatch {
public:
    explicit KeyFileWatch(std::filesystem::path current);
    // True once per change since the last call (or since construction).
    bool changed();

private:
    struct Stamp {
        std::uint64_t inode = 0, size = 0;
        std::int64_t mtime_ns = 0;
        bool operator==(const Stamp&) const = default;
    };
    std::optional<Stamp> stamp() const;
    std::filesystem::path path_;
    std::optional<Stamp> last_;
};

}  // namespace carebridge::auth
