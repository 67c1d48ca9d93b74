#include "platform/auth/key_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace carebridge::auth {
namespace fs = std::filesystem;

namespace {

SigningKey read_key(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) throw std::runtime_error("cannot read " + path.string());
    try {
        return SigningKey::from_pem(std::move(text).str());
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot load key from " + path.string() + " (" + e.what() + ")");
    }
}

// The PEM goes to a private temporary (O_EXCL, 0600: never readable by others, not even
// briefly), is fsynced, and replaces `path` by rename.
void write_private(const fs::path& path, const std::string& pem) {
    fs::path tmp = path;
    tmp += ".tmp-" + random_hex(8);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + tmp.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    bool ok = true;
    while (ok && done < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int rename_err = ok ? errno : err;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(rename_err));
    }
}

// The renames are durable only once the directory itself is synced.
void sync_directory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

KeyPaths KeyPaths::in(const fs::path& data_dir) {
    return {data_dir / "signing-key.pem", data_dir / "signing-key.previous.pem"};
}

StoredKeys load_keys(const fs::path& data_dir) {
    const KeyPaths paths = KeyPaths::in(data_dir);
    StoredKeys keys{SigningKey::load_or_create(paths.current), std::nullopt};
    std::error_code ec;
    if (fs::exists(paths.previous, ec)) keys.previous = read_key(paths.previous);
    return keys;
}

Rotation rotate_keys(const fs::path& data_dir) {
    const KeyPaths paths = KeyPaths::in(data_dir);
    const StoredKeys old = load_keys(data_dir);
    const SigningKey fresh = SigningKey::generate();
    write_private(paths.previous, old.current.private_pem());
    write_private(paths.current, fresh.private_pem());
    sync_directory(data_dir);
    return {fresh.kid(), old.current.kid(), old.previous ? old.previous->kid() : std::string()};
}

KeyFileWatch::KeyFileWatch(fs::path current) : path_(std::move(current)), last_(stamp()) {}

std::optional<KeyFileWatch::Stamp> KeyFileWatch::stamp() const {
    struct stat st{};
    if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
    return Stamp{static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
                 static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

bool KeyFileWatch::changed() {
    auto now = stamp();
    if (!now || now == last_) return false;  // a missing file is not a new key
    last_ = now;
    return true;
}

}  // namespace carebridge::auth
