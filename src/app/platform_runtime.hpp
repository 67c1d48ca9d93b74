#pragma once
// The platform wired on a caller's io_context: HTTP server and client, signing key, store,
// tokens, callback dispatcher, engine, API and housekeeping. `carebridge platform` runs one
// alone; `carebridge up` runs one beside the helpdesk on the same io_context.
#include <functional>
#include <memory>
#include <string>

#include "app/config.hpp"

namespace boost::asio {
class io_context;
}

namespace carebridge::app {

class PlatformRuntime {
public:
    // Binds and wires everything. Throws std::runtime_error with a message for the operator.
    // config.public_url is finalised here (the bound URL when listening on port 0).
    PlatformRuntime(boost::asio::io_context& ioc, PlatformConfig config);
    ~PlatformRuntime();
    PlatformRuntime(const PlatformRuntime&) = delete;
    PlatformRuntime& operator=(const PlatformRuntime&) = delete;

    const PlatformConfig& config() const;
    const std::string& bound_url() const;
    const std::string& public_url() const;

    // Stops accepting and closes connections at once.
    void stop();
    // Graceful stop (SIGTERM): stops accepting, answers parked long-polls, lets in-flight
    // requests, store commits and callback POSTs finish up to ops.shutdown_deadline, then
    // closes every connection and calls done (on the io thread).
    void begin_shutdown(std::function<void()> done);
    // SIGHUP: reloads the signing keys from data_dir now (they are also picked up within a
    // second of `carebridge rotate-keys` without it).
    void reload_keys();
    // After io_context::run() returned: cancels housekeeping and drains the store.
    void shutdown();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace carebridge::app
