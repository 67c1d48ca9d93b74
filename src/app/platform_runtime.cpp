// Wires the platform together: HTTP server and client, signing key, store, tokens, callback
// dispatcher, engine, API and housekeeping, on an io_context the caller runs.
#include "app/platform_runtime.hpp"

#include "app/passwords.hpp"

#include <map>
#include <optional>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <sodium.h>

#include "common/log.hpp"
#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "platform/api/platform_api.hpp"
#include "platform/auth/jwt.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/engine/platform.hpp"
#include "platform/events/callback_dispatcher.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carebridge::app {

namespace {
auth::SigningKey signing_key(const PlatformConfig& config) {
    if (config.data_dir.empty()) return auth::SigningKey::generate();
    return auth::SigningKey::load_or_create(config.data_dir / "signing-key.pem");
}

// A callback token per application, reused for a few minutes: an RSA signature per callback
// would cost more than the callback.
class CallbackAuthorizer {
public:
    CallbackAuthorizer(const auth::TokenService& tokens, net::Scheduler& scheduler)
        : tokens_(tokens), scheduler_(scheduler) {}
    std::string operator()(const platform::TrustedApp& app) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             scheduler_.now().time_since_epoch()).count();
        auto& entry = cache_[app.config.id];
        if (entry.second < now) entry = {"Bearer " + tokens_.issue_callback_token(app.config.id, now), now + 240};
        return entry.first;
    }

private:
    const auth::TokenService& tokens_;
    net::Scheduler& scheduler_;
    std::map<std::string, std::pair<std::string, std::int64_t>> cache_;
};

std::string with_context(const std::string& what, const std::exception& e) { return what + ": " + e.what(); }
}  // namespace

// Members in wiring order: each may refer to the ones above it.
struct PlatformRuntime::Impl {
    Impl(boost::asio::io_context& io, PlatformConfig c) : ioc(io), config(std::move(c)), scheduler(io), http(io) {}

    boost::asio::io_context& ioc;
    PlatformConfig config;
    net::AsioScheduler scheduler;
    net::HttpClient http;
    std::function<void(net::Request&&, net::Responder)> route;
    std::optional<net::HttpServer> server;
    std::string bound_url;
    std::optional<auth::SigningKey> key;
    std::unique_ptr<store::Store> db;
    std::optional<auth::TokenService> tokens;
    std::optional<platform::CallbackDispatcher> callbacks;
    std::optional<platform::Platform> engine;
    std::optional<platform::api::PlatformApi> api;
    std::function<void()> housekeeping;
    net::TimerPtr housekeeping_timer;
    net::TimerPtr drain_timer;
};

PlatformRuntime::PlatformRuntime(boost::asio::io_context& ioc, PlatformConfig config)
    : impl_(std::make_unique<Impl>(ioc, std::move(config))) {
    Impl& r = *impl_;
    auto& cfg = r.config;
    if (auto level = log::parse_level(cfg.ops.log_level)) log::configure_level(*level);
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    hash_plain_passwords(cfg);

    net::ServerOptions options;
    options.address = cfg.listen_address;
    options.port = cfg.listen_port;
    options.body_limit = cfg.body_limit;
    options.header_limit = cfg.limits.header_limit;
    options.header_timeout = std::chrono::seconds(cfg.limits.header_timeout);
    options.idle_timeout = std::chrono::seconds(cfg.limits.idle_timeout);
    options.max_connections = cfg.limits.max_connections;
    options.tls_cert_file = cfg.security.tls_cert_file;
    options.tls_key_file = cfg.security.tls_key_file;
    r.server.emplace(ioc, options, [&r](net::Request&& req, net::Responder respond) {
        if (r.route) r.route(std::move(req), std::move(respond));
    });
    std::uint16_t port = 0;
    try {
        port = r.server->start();
    } catch (const std::exception& e) {
        throw std::runtime_error(with_context("cannot listen on " + cfg.listen_address + ":" +
                                              std::to_string(cfg.listen_port), e));
    }
    const std::string host = cfg.listen_address.find(':') != std::string::npos ? "[" + cfg.listen_address + "]"
                                                                                : cfg.listen_address;
    r.bound_url = (cfg.security.tls_cert_file.empty() ? "http://" : "https://") + host + ":" + std::to_string(port);
    // With port 0 the public URL can only be known now.
    if (cfg.public_url.empty() || cfg.listen_port == 0) cfg.public_url = r.bound_url;

    try {
        r.key.emplace(signing_key(cfg));
    } catch (const std::exception& e) {
        throw std::runtime_error(with_context("signing key", e));
    }
    // The embedded store: one SQLite file in the data directory (none: in memory only).
    if (!cfg.data_dir.empty()) {
        try {
            store::SqliteOptions store_options;
            store_options.synchronous_full = cfg.store_synchronous_full;
            // A quota: past it writes fail exactly as on a full disk (503, reads go on).
            store_options.max_page_count = cfg.store_max_size_mb * 256;  // 4 KiB pages
            r.db = store::open_sqlite_store(cfg.data_dir / "carebridge.db", store_options);
        } catch (const std::exception& e) {
            throw std::runtime_error(with_context("store", e));
        }
    }
    // Callbacks reach only addresses the policy allows, judged on every resolved address.
    r.http.restrict_addresses(callback_address_policy(cfg));
    r.tokens.emplace(*r.key, cfg.public_url);
    platform::CallbackOptions callback_options;
    callback_options.max_age = std::chrono::seconds(cfg.ops.callback_max_age);
    callback_options.breaker_failures = static_cast<std::size_t>(cfg.ops.callback_breaker_failures);
    callback_options.breaker_cooldown = std::chrono::seconds(cfg.ops.callback_breaker_cooldown);
    r.callbacks.emplace(r.scheduler, r.http, CallbackAuthorizer(*r.tokens, r.scheduler), cfg.public_url,
                        callback_options);
    r.engine.emplace(cfg, r.scheduler, *r.callbacks, r.db.get());
    r.callbacks->on_delivered([&r](const std::string& queue, std::uint64_t last, const std::string& ctx) {
        if (queue.rfind("replay:", 0) == 0) return;  // replays are not a conversation's progress
        r.engine->on_callback_delivered(queue, last, ctx);
    });
    r.engine->restore();
    r.api.emplace(*r.engine, *r.tokens, r.scheduler);
    // Housekeeping on a fixed period: compaction of read events, expiry of transcripts.
    r.housekeeping = [&r] {
        r.engine->housekeeping();
        r.housekeeping_timer = r.scheduler.after(std::chrono::seconds(r.config.housekeeping_interval), r.housekeeping);
    };
    r.housekeeping_timer = r.scheduler.after(std::chrono::seconds(cfg.housekeeping_interval), r.housekeeping);
    r.route = [&r](net::Request&& req, net::Responder respond) { r.api->handle(std::move(req), std::move(respond)); };
}

PlatformRuntime::~PlatformRuntime() = default;

const PlatformConfig& PlatformRuntime::config() const { return impl_->config; }
const std::string& PlatformRuntime::bound_url() const { return impl_->bound_url; }
const std::string& PlatformRuntime::public_url() const { return impl_->config.public_url; }

void PlatformRuntime::stop() {
    if (impl_->server) impl_->server->stop();
}

void PlatformRuntime::begin_shutdown(std::function<void()> done) {
    Impl& r = *impl_;
    if (!r.server || r.drain_timer) return;
    log::info("shutting down: no longer accepting, answering parked long-polls",
              {{"deadline_s", std::to_string(r.config.ops.shutdown_deadline)}});
    r.server->stop_accepting();
    r.api->drain();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(r.config.ops.shutdown_deadline);
    auto check = std::make_shared<std::function<void()>>();
    *check = [&r, deadline, done = std::move(done), weak = std::weak_ptr(check)] {
        const bool idle = r.server->requests_in_progress() == 0 && r.engine->ops_stats().batches_in_flight == 0 &&
                          !r.callbacks->busy();
        const bool late = std::chrono::steady_clock::now() >= deadline;
        if (!idle && !late) {
            if (auto again = weak.lock())
                r.drain_timer = r.scheduler.after(std::chrono::milliseconds(20), [again] { (*again)(); });
            return;
        }
        if (late && !idle)
            log::warn("shutdown deadline reached with work in flight; it resumes after restart",
                      {{"requests_in_progress", std::to_string(r.server->requests_in_progress())},
                       {"store_batches_in_flight", std::to_string(r.engine->ops_stats().batches_in_flight)},
                       {"callback_events_pending", std::to_string(r.callbacks->pending())}});
        else
            log::info("shutdown: in-flight work finished",
                      {{"callback_events_pending", std::to_string(r.callbacks->pending())}});
        r.server->stop();
        done();
    };
    r.drain_timer = r.scheduler.after(std::chrono::milliseconds(0), [check] { (*check)(); });
}

void PlatformRuntime::shutdown() {
    impl_->housekeeping_timer.reset();
    if (impl_->db) impl_->db->drain();
}

}  // namespace carebridge::app
