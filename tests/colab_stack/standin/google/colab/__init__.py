"""A stand-in for Colab's ``google.colab`` module, for the simulation of Colab's setup path
(``make colab-setup``): the notebooks' setup cell only asks whether it is imported."""

IS_STAND_IN = True
