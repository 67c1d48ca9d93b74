#include "app/helpdesk_runtime.hpp"

#include <iostream>
#include <optional>
#include <stdexcept>

#include <boost/asio/io_context.hpp>

#include "common/log.hpp"
#include "helpdesk/helpdesk.hpp"
#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carebridge::app {

struct HelpdeskRuntime::Impl {
    Impl(boost::asio::io_context& io, helpdesk::Settings s) : settings(std::move(s)), scheduler(io), http(io) {}

    helpdesk::Settings settings;
    net::AsioScheduler scheduler;
    net::HttpClient http;
    std::optional<net::HttpServer> server;
    std::string bound_url;
    std::unique_ptr<store::Store> db;             // when settings.data_dir is set
    std::unique_ptr<helpdesk::Helpdesk> service;  // after start()
};

HelpdeskRuntime::HelpdeskRuntime(boost::asio::io_context& ioc, helpdesk::Settings settings)
    : impl_(std::make_unique<Impl>(ioc, std::move(settings))) {
    Impl& r = *impl_;
    net::ServerOptions options;
    options.address = r.settings.listen_address;
    options.port = r.settings.listen_port;
    r.server.emplace(ioc, options, [&r](net::Request&& req, net::Responder respond) {
        if (!r.service) {
            net::Response busy;
            busy.status = 503;
            busy.set_header("Retry-After", "1");
            return respond(std::move(busy));
        }
        r.service->handle(std::move(req), std::move(respond));
    });
    std::uint16_t port = 0;
    try {
        port = r.server->start();
    } catch (const std::exception& e) {
        throw std::runtime_error("helpdesk: cannot listen on " + r.settings.listen_address + ":" +
                                 std::to_string(r.settings.listen_port) + ": " + e.what());
    }
    const auto& a = r.settings.listen_address;
    r.bound_url = "http://" + (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(port);
    if (r.settings.public_url.empty() || r.settings.listen_port == 0) r.settings.public_url = r.bound_url;
}

HelpdeskRuntime::~HelpdeskRuntime() {
    // The service first (it owns callbacks into the store), then what is still being written.
    impl_->service.reset();
    if (impl_->db) impl_->db->drain();
}

const std::string& HelpdeskRuntime::bound_url() const { return impl_->bound_url; }
const std::string& HelpdeskRuntime::public_url() const { return impl_->settings.public_url; }
helpdesk::Settings& HelpdeskRuntime::settings() { return impl_->settings; }

void HelpdeskRuntime::start() {
    Impl& r = *impl_;
    if (!r.settings.data_dir.empty()) {
        try {
            std::filesystem::create_directories(r.settings.data_dir);
            r.db = store::open_sqlite_store(std::filesystem::path(r.settings.data_dir) / "helpdesk.db", {});
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string("helpdesk: store: ") + e.what());
        }
    }
    r.service = std::make_unique<helpdesk::Helpdesk>(r.settings, r.scheduler, r.http, [](const std::string& line) {
        log::info(line, {{"component", "helpdesk"}});
    }, r.db.get());
    r.service->start();
}

void HelpdeskRuntime::stop() {
    if (impl_->server) impl_->server->stop();
}

}  // namespace carebridge::app
