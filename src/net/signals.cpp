#include "net/signals.hpp"

#include <csignal>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace carebridge::net {

void on_termination_signal(boost::asio::io_context& ioc, std::function<void(int)> on_stop) {
    auto signals = std::make_shared<boost::asio::signal_set>(ioc, SIGINT, SIGTERM);
    signals->async_wait([signals, on_stop = std::move(on_stop)](const boost::system::error_code& ec, int sig) {
        if (!ec) on_stop(sig);
    });
}

namespace {
void wait_reload(std::shared_ptr<boost::asio::signal_set> signals, std::function<void()> on_reload) {
    auto& set = *signals;
    set.async_wait([signals = std::move(signals), on_reload = std::move(on_reload)](
                       const boost::system::error_code& ec, int) mutable {
        if (ec) return;  // the io_context is going away
        on_reload();
        wait_reload(std::move(signals), std::move(on_reload));
    });
}
}  // namespace

void on_reload_signal(boost::asio::io_context& ioc, std::function<void()> on_reload) {
    wait_reload(std::make_shared<boost::asio::signal_set>(ioc, SIGHUP), std::move(on_reload));
}

}  // namespace carebridge::net
