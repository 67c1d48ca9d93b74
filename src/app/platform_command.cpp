// Wires the platform together: io_context, HTTP server and client, signing key, tokens,
// callback dispatcher, engine and API.
#include "app/platform_command.hpp"

#include <iostream>
#include <map>

#include <boost/asio/io_context.hpp>
#include <sodium.h>

#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/signals.hpp"
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
}  // namespace

int run_platform(PlatformConfig config) {
    if (sodium_init() < 0) {
        std::cerr << "carebridge: libsodium failed to initialise\n";
        return 1;
    }
    boost::asio::io_context ioc{1};
    net::AsioScheduler scheduler(ioc);
    net::HttpClient http(ioc);

    std::function<void(net::Request&&, net::Responder)> route;
    net::ServerOptions options;
    options.address = config.listen_address;
    options.port = config.listen_port;
    options.body_limit = config.body_limit;
    net::HttpServer server(ioc, options, [&route](net::Request&& req, net::Responder respond) {
        route(std::move(req), std::move(respond));
    });
    std::uint16_t port = 0;
    try {
        port = server.start();
    } catch (const std::exception& e) {
        std::cerr << "carebridge: cannot listen on " << config.listen_address << ":"
                  << config.listen_port << ": " << e.what() << "\n";
        return 1;
    }
    const std::string host = config.listen_address.find(':') != std::string::npos
                                 ? "[" + config.listen_address + "]" : config.listen_address;
    const std::string bound_url = "http://" + host + ":" + std::to_string(port);
    // With port 0 the public URL can only be known now.
    if (config.public_url.empty() || config.listen_port == 0) config.public_url = bound_url;

    std::optional<auth::SigningKey> key;
    try {
        key.emplace(signing_key(config));
    } catch (const std::exception& e) {
        std::cerr << "carebridge: signing key: " << e.what() << "\n";
        return 1;
    }
    // The embedded store: one SQLite file in the data directory (none: in memory only).
    std::unique_ptr<store::Store> db;
    if (!config.data_dir.empty()) {
        try {
            store::SqliteOptions options;
            options.synchronous_full = config.store_synchronous_full;
            // A quota: past it writes fail exactly as on a full disk (503, reads go on).
            options.max_page_count = config.store_max_size_mb * 256;  // 4 KiB pages
            db = store::open_sqlite_store(config.data_dir / "carebridge.db", options);
        } catch (const std::exception& e) {
            std::cerr << "carebridge: store: " << e.what() << "\n";
            return 1;
        }
    }
    auth::TokenService tokens(*key, config.public_url);
    platform::CallbackDispatcher callbacks(scheduler, http, CallbackAuthorizer(tokens, scheduler),
                                           config.public_url);
    platform::Platform engine(config, scheduler, callbacks, db.get());
    callbacks.on_delivered([&engine](const std::string& queue, std::uint64_t last, const std::string& ctx) {
        engine.on_callback_delivered(queue, last, ctx);
    });
    engine.restore();
    platform::api::PlatformApi api(engine, tokens, scheduler);
    // Housekeeping on a fixed period: compaction of read events, expiry of transcripts.
    std::function<void()> housekeeping;
    net::TimerPtr housekeeping_timer;
    housekeeping = [&] {
        engine.housekeeping();
        housekeeping_timer = scheduler.after(std::chrono::seconds(config.housekeeping_interval), housekeeping);
    };
    housekeeping_timer = scheduler.after(std::chrono::seconds(config.housekeeping_interval), housekeeping);
    route = [&api](net::Request&& req, net::Responder respond) { api.handle(std::move(req), std::move(respond)); };

    net::on_termination_signal(ioc, [&](int sig) {
        std::cerr << "carebridge: signal " << sig << ", stopping\n";
        server.stop();
        ioc.stop();
    });
    std::cout << "carebridge platform listening on " << bound_url << " (public URL "
              << config.public_url << ")" << std::endl;
    ioc.run();
    housekeeping_timer.reset();
    if (db) db->drain();
    return 0;
}

}  // namespace carebridge::app
