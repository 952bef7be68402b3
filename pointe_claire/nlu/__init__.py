"""Custom Rasa NLU components, referenced by module path in config.yml.

Importing them (Rasa does, before it loads DIET and TED) installs the quicker TensorFlow model load.
"""

from pointe_claire.nlu.tf_model_load import install

install()
