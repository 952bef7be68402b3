"""Rasa input channels, referenced by module path in credentials.yml.

Loading any of them keeps residents' words out of Rasa's logs (`pointe_claire.log_privacy`): every server that
receives messages loads this package first.
"""

from pointe_claire import log_privacy

log_privacy.install()
