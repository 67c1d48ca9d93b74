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

}  // namespace carebridge::net
