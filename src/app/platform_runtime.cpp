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
#include "platform/auth/key_ring.hpp"
#include "platform/auth/key_store.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/engine/platform.hpp"
#include "platform/engine/record_dictionary.hpp"
#include "platform/events/callback_dispatcher.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carebridge::app {

namespace {
// In data_dir (current and previous, see key_store.hpp); without one a key per start.
auth::StoredKeys signing_keys(const PlatformConfig& config) {
    if (config.data_dir.empty()) return {auth::SigningKey::generate(), std::nullopt};
    return auth::load_keys(config.data_dir);
}

// A callback token per application, reused for a few minutes (an RSA signature per callback
// would cost more than the callback), and reissued at once when the signing key rotates.
class CallbackAuthorizer {
public:
    CallbackAuthorizer(const auth::TokenService& tokens, net::Scheduler& scheduler)
        : tokens_(tokens), scheduler_(scheduler) {}
    std::string operator()(const platform::TrustedApp& app) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             scheduler_.now().time_since_epoch()).count();
        auto& entry = cache_[app.config.id];
        std::string kid = tokens_.keys().current_kid();
        if (entry.expires < now || entry.kid != kid)
            entry = {"Bearer " + tokens_.issue_callback_token(app.config.id, now), now + 240, std::move(kid)};
        return entry.header;
    }

private:
    struct Entry {
        std::string header;
        std::int64_t expires = 0;
        std::string kid;
    };
    const auth::TokenService& tokens_;
    net::Scheduler& scheduler_;
    std::map<std::string, Entry> cache_;
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
    std::optional<auth::KeyRing> keys;
    std::optional<auth::KeyFileWatch> key_watch;  // `carebridge rotate-keys` on a running platform
    std::function<void()> watch_keys;
    net::TimerPtr key_watch_timer;
    std::unique_ptr<store::Store> db;
    std::optional<auth::TokenService> tokens;
    std::optional<platform::CallbackDispatcher> callbacks;
    std::optional<platform::Platform> engine;
    std::optional<platform::api::PlatformApi> api;
    std::function<void()> housekeeping;
    net::TimerPtr housekeeping_timer;
    net::TimerPtr drain_timer;
};

namespace {
void reload_signing_keys(PlatformRuntime::Impl& r) {
    try {
        auto keys = auth::load_keys(r.config.data_dir);
        const std::string previous = keys.previous ? keys.previous->kid() : std::string();
        r.keys->replace(std::move(keys.current), std::move(keys.previous));
        log::info("signing keys reloaded", {{"current_kid", r.keys->current_kid()}, {"previous_kid", previous}});
    } catch (const std::exception& e) {
        // Half-written files or bad permissions: keep signing with the keys we have.
        log::error("signing keys changed on disk but cannot be loaded; keeping the old ones", {{"error", e.what()}});
    }
}
}  // namespace

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
    options.io_threads = cfg.io_threads;
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
        auto keys = signing_keys(cfg);
        r.keys.emplace(std::move(keys.current), std::move(keys.previous));
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
            store_options.dictionaries = platform::persist::record_dictionaries();
            store_options.compress_with = platform::persist::kRecordDictionary;
            r.db = store::open_sqlite_store(cfg.data_dir / "carebridge.db", store_options);
        } catch (const std::exception& e) {
            throw std::runtime_error(with_context("store", e));
        }
    }
    // Callbacks reach only addresses the policy allows, judged on every resolved address.
    r.http.restrict_addresses(callback_address_policy(cfg));
    r.tokens.emplace(*r.keys, cfg.public_url);
    platform::CallbackOptions callback_options;
    callback_options.max_age = std::chrono::seconds(cfg.ops.callback_max_age);
    callback_options.timeout = std::chrono::seconds(cfg.ops.callback_timeout);
    callback_options.breaker_failures = static_cast<std::size_t>(cfg.ops.callback_breaker_failures);
    callback_options.breaker_cooldown = std::chrono::seconds(cfg.ops.callback_breaker_cooldown);
    callback_options.batch_window = std::chrono::milliseconds(cfg.ops.callback_batch_window_ms);
    r.callbacks.emplace(r.scheduler, r.http, CallbackAuthorizer(*r.tokens, r.scheduler), cfg.public_url,
                        callback_options);
    r.engine.emplace(cfg, r.scheduler, *r.callbacks, r.db.get());
    r.callbacks->on_delivered([&r](const std::string& queue, std::uint64_t last, const std::string& ctx) {
        if (queue.rfind("replay:", 0) == 0) return;  // replays are not a conversation's progress
        r.engine->on_callback_delivered(queue, last, ctx);
    });
    r.callbacks->on_dead_letter(
        [&r](const platform::DeadLetter& d, const std::string& ctx) { r.engine->save_dead_letter(d, ctx); },
        [&r](std::uint64_t id) { r.engine->erase_dead_letter(id); });
    r.engine->restore();
    r.engine->restore_dead_letters();
    r.api.emplace(*r.engine, *r.tokens, r.scheduler);
    // Housekeeping on a fixed period: compaction of read events, expiry of transcripts.
    r.housekeeping = [&r] {
        r.engine->housekeeping();
        r.housekeeping_timer = r.scheduler.after(std::chrono::seconds(r.config.housekeeping_interval), r.housekeeping);
    };
    r.housekeeping_timer = r.scheduler.after(std::chrono::seconds(cfg.housekeeping_interval), r.housekeeping);
    // The key file is checked every second (one stat): a rotation is live within about a second,
    // with no restart and no signal.
    if (!cfg.data_dir.empty()) {
        r.key_watch.emplace(auth::KeyPaths::in(cfg.data_dir).current);
        r.watch_keys = [&r] {
            if (r.key_watch->changed()) reload_signing_keys(r);
            r.key_watch_timer = r.scheduler.after(std::chrono::seconds(1), r.watch_keys);
        };
        r.key_watch_timer = r.scheduler.after(std::chrono::seconds(1), r.watch_keys);
    }
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

void PlatformRuntime::reload_keys() {
    if (impl_->config.data_dir.empty()) {
        log::info("SIGHUP: no data_dir, the signing key lives in memory; nothing to reload");
        return;
    }
    if (impl_->key_watch) impl_->key_watch->changed();  // the timer need not reload it again
    reload_signing_keys(*impl_);
}

void PlatformRuntime::shutdown() {
    impl_->housekeeping_timer.reset();
    impl_->key_watch_timer.reset();
    if (impl_->db) impl_->db->drain();
}

}  // namespace carebridge::app
