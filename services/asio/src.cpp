// The one translation unit that compiles Asio and Beast (with their SSL parts).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
