// carebridge-greeter: the SDK example as a program you can run beside a platform.
//   carebridge-greeter DISCOVER_URL CLIENT_ID CLIENT_SECRET [LISTEN_PORT] [GREETING]
// It listens on 127.0.0.1:LISTEN_PORT (0: any free port) for the platform's callbacks at
// /callback; the platform's application entry must have callback_url pointing there.
#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/asio/io_context.hpp>

#include "greeter.hpp"
#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/signals.hpp"

int main(int argc, char** argv) {
    using namespace carebridge;
    if (argc < 4) {
        std::cerr << "usage: " << argv[0] << " DISCOVER_URL CLIENT_ID CLIENT_SECRET [LISTEN_PORT] [GREETING]\n";
        return 2;
    }
    boost::asio::io_context ioc{1};
    net::AsioScheduler scheduler(ioc);
    net::HttpClient http(ioc);
    auto log = [](const std::string& line) { std::cerr << "greeter: " << line << std::endl; };

    sdk::ClientOptions options;
    options.discover_url = argv[1];
    options.client_id = argv[2];
    options.client_secret = argv[3];
    options.log = log;
    sdk::Client client(scheduler, http, options);
    example::Greeter greeter(client, scheduler, argc > 5 ? argv[5] : "Hello! How can we help?", log);

    net::ServerOptions listen;
    listen.port = static_cast<std::uint16_t>(argc > 4 ? std::atoi(argv[4]) : 0);
    net::HttpServer server(ioc, listen, [&](net::Request&& req, net::Responder respond) {
        if (req.method == "POST" && req.path == "/callback") return greeter.on_callback(std::move(req), std::move(respond));
        net::Response missing;
        missing.status = 404;
        respond(std::move(missing));
    });
    const auto port = server.start();
    client.connect([&](sdk::Result<sdk::Resource> app) {
        if (!app) {
            log("cannot connect: " + app.error().describe());
            return ioc.stop();
        }
        std::cout << "greeter: connected, callbacks at http://127.0.0.1:" << port << "/callback" << std::endl;
    });
    net::on_termination_signal(ioc, [&](int) {
        server.stop();
        ioc.stop();
    });
    ioc.run();
    return 0;
}
