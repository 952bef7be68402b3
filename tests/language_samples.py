"""Messages in other languages, and French and English as residents write them, shared by the language tests (unit and
through the real model)."""

from __future__ import annotations

# Questions residents ask, in the languages most spoken in Montréal after French and English.
OTHER_LANGUAGES = {
    "es": [
        "¿Dónde puedo pagar mis impuestos?",
        "¿A qué hora abre la biblioteca?",
        "Hola, ¿cuándo pasa el camión de la basura?",
        "Necesito un permiso para construir una cerca",
    ],
    "pt": [
        "Onde posso pagar os meus impostos?",
        "A que horas abre a biblioteca?",
        "Olá, quando passa o caminhão do lixo?",
        "Preciso de uma licença para construir uma cerca",
    ],
    "de": [
        "Wo kann ich meine Steuern bezahlen?",
        "Wann öffnet die Bibliothek?",
        "Hallo, wann wird der Müll abgeholt?",
        "Ich brauche eine Genehmigung für einen Zaun",
    ],
    "it": [
        "Dove posso pagare le mie tasse?",
        "A che ora apre la biblioteca?",
        "Ciao, quando passa il camion della spazzatura?",
        "Ho bisogno di un permesso per costruire una recinzione",
    ],
}

# French without accents, with typos and Québec words ("allo", "pis", "c'tu", "svp"), and English with typos.
OFFICIAL_WITH_TYPOS = {
    "fr": [
        "allo c'tu ouvert la bibliotheque a soir",
        "pis la collecte des vidanges c quand svp",
        "ou je peux payer mes taxes",
        "a quelle heure ouvre la biblioteque",
        "la piscine est tu ouverte",
        "allo, jai un nid de poule devant chez nous svp",
    ],
    "en": [
        "Where can I pay my taxes?",
        "what time does the libary open",
        "when is garbage pickup pls",
        "hi is the pool open tomorow",
    ],
}
