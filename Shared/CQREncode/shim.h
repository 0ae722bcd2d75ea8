// libqrencode (Debian's libqrencode-dev): the QR code of the authenticator app's key address on the page that
// turns the second factor on. Nothing to wrap: the header is enough.
#ifndef GUICHET_CQRENCODE_SHIM_H
#define GUICHET_CQRENCODE_SHIM_H

#include <qrencode.h>

#endif
