"""The review app's interface in French (Québec) and English; the choice is remembered in a cookie.

Called by `review.web` and the templates (`t("key")`). Flag kinds without a label show their raw name, so a new
kind of flag appears on the pages before anyone writes its label.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pointe_claire.clock import MONTREAL
from pointe_claire.names import LANGUAGES

DEFAULT_LANGUAGE = "fr"
COOKIE = "review_lang"

STRINGS: Mapping[str, tuple[str, str]] = {
    # (French, English)
    "app_title": ("Révision des conversations", "Conversation review"),
    "city": ("Ville de Pointe-Claire", "City of Pointe-Claire"),
    "switch_language": ("English", "Français"),
    "skip": ("Aller au contenu", "Skip to content"),
    "inbox": ("Boîte de réception", "Inbox"),
    "overview": ("Aperçu", "Overview"),
    "users": ("Utilisateurs", "Users"),
    "log_in": ("Se connecter", "Log in"),
    "log_out": ("Se déconnecter", "Log out"),
    "name": ("Nom d'utilisateur", "User name"),
    "password": ("Mot de passe", "Password"),
    "role": ("Rôle", "Role"),
    "role_reviewer": ("Réviseur", "Reviewer"),
    "role_admin": ("Administrateur", "Administrator"),
    "login_failed": ("Nom d'utilisateur ou mot de passe incorrect.", "Wrong user name or password."),
    "login_limited": (
        "Trop de tentatives de connexion. Réessayez dans 15 minutes.",
        "Too many login attempts. Try again in 15 minutes.",
    ),
    "csrf_failed": (
        "Le formulaire a expiré ou ne vient pas de cette application. Rechargez la page et recommencez.",
        "The form expired or did not come from this app. Reload the page and try again.",
    ),
    "not_found": ("Page introuvable.", "Page not found."),
    "conversation_not_found": ("Conversation introuvable.", "Conversation not found."),
    "forbidden": ("Réservé aux administrateurs.", "Administrators only."),
    "error": ("Une erreur est survenue.", "Something went wrong."),
    "back": ("Retour", "Back"),
    "signed_in_as": ("Connecté :", "Signed in:"),
    "filters": ("Filtres", "Filters"),
    "from": ("Du", "From"),
    "to": ("Au", "To"),
    "language": ("Langue", "Language"),
    "channel": ("Canal", "Channel"),
    "flag": ("Signalement", "Flag"),
    "intent": ("Intention", "Intent"),
    "reviewed": ("Révisée", "Reviewed"),
    "tag": ("Étiquette", "Tag"),
    "search": ("Recherche", "Search"),
    "sort": ("Tri", "Sort"),
    "sort_priority": ("Urgences et transferts d'abord", "Emergencies and handoffs first"),
    "sort_newest": ("Plus récentes", "Newest"),
    "sort_oldest": ("Plus anciennes", "Oldest"),
    "any": ("Tous", "Any"),
    "yes": ("Oui", "Yes"),
    "no": ("Non", "No"),
    "apply": ("Filtrer", "Filter"),
    "reset": ("Effacer les filtres", "Clear filters"),
    "export_csv": ("Exporter en CSV", "Export CSV"),
    "export_jsonl": ("Exporter en JSON Lines", "Export JSON Lines"),
    "count": ("{shown} sur {total} conversations", "{shown} of {total} conversations"),
    "page": ("Page {page} de {pages}", "Page {page} of {pages}"),
    "previous": ("Précédente", "Previous"),
    "next": ("Suivante", "Next"),
    "last_message": ("Dernier message", "Last message"),
    "conversation": ("Conversation", "Conversation"),
    "messages": ("Messages", "Messages"),
    "flags": ("Signalements", "Flags"),
    "intents": ("Intentions", "Intents"),
    "none": ("Aucun", "None"),
    "no_conversation": ("Aucune conversation ne correspond.", "No conversation matches."),
    "tracker_unavailable": (
        "La base des conversations est inaccessible pour le moment; les données affichées peuvent dater.",
        "The conversation database cannot be reached right now; what is shown may be out of date.",
    ),
    "resident": ("Résident", "Resident"),
    "assistant": ("Assistant", "Assistant"),
    "action": ("Action", "Action"),
    "confidence": ("confiance", "confidence"),
    "channels": ("Canaux", "Channels"),
    "staff": ("Suivi", "Follow-up"),
    "mark_reviewed": ("Marquer comme révisée", "Mark reviewed"),
    "mark_unreviewed": ("Marquer comme non révisée", "Mark not reviewed"),
    "is_reviewed": ("Révisée", "Reviewed"),
    "not_reviewed": ("Non révisée", "Not reviewed"),
    "handoff_is_open": ("Transfert au personnel ouvert", "Handoff to staff open"),
    "handoff_is_closed": ("Transfert fermé", "Handoff closed"),
    "close_handoff": ("Fermer le transfert", "Close handoff"),
    "tags": ("Étiquettes", "Tags"),
    "add_tag": ("Ajouter l'étiquette", "Add tag"),
    "remove": ("Retirer", "Remove"),
    "notes": ("Notes", "Notes"),
    "add_note": ("Ajouter la note", "Add note"),
    "note": ("Note", "Note"),
    "history": ("Historique", "History"),
    "change_reviewed": ("marquée révisée", "marked reviewed"),
    "change_unreviewed": ("marquée non révisée", "marked not reviewed"),
    "change_handoff_closed": ("transfert fermé", "handoff closed"),
    "change_tag_added": ("étiquette ajoutée", "tag added"),
    "change_tag_removed": ("étiquette retirée", "tag removed"),
    "change_note_added": ("note ajoutée", "note added"),
    "training": ("Exporter pour l'entraînement", "Export for training"),
    "training_help": (
        "Cochez des messages du résident, choisissez l'intention, puis téléchargez le fichier YAML à ajouter "
        "dans data/nlu/ (une langue à la fois).",
        "Tick resident messages, choose the intent, then download the YAML file to add to data/nlu/ "
        "(one language at a time).",
    ),
    "select_message": ("Choisir ce message pour l'entraînement", "Select this message for training"),
    "download_yaml": ("Télécharger le YAML", "Download YAML"),
    "training_none": ("Aucun message choisi.", "No message selected."),
    "training_mixed": (
        "Les messages choisis sont en plusieurs langues : exportez une langue à la fois.",
        "The selected messages are in more than one language: export one language at a time.",
    ),
    "training_bad_intent": ("Intention inconnue.", "Unknown intent."),
    "period": ("Période", "Period"),
    "period_days": ("{days} derniers jours", "Last {days} days"),
    "messages_per_day": ("Messages des résidents par jour", "Resident messages per day"),
    "by_language": ("Par langue", "By language"),
    "by_intent": ("Par intention", "By intent"),
    "top_fallbacks": ("Messages non compris les plus fréquents", "Most frequent messages not understood"),
    "open_handoffs": ("Transferts ouverts", "Open handoffs"),
    "total_conversations": ("Conversations", "Conversations"),
    "total_messages": ("Messages des résidents ({days} jours)", "Resident messages ({days} days)"),
    "kpi_title": ("Indicateurs par langue", "Key figures by language"),
    "kpi_help": (
        "Conversations du {start} au {end} (une conversation compte si elle touche la période). Chaque chiffre "
        "mène aux conversations qu'il compte.",
        "Conversations from {start} to {end} (a conversation counts when it touches the period). Each figure "
        "opens the conversations it counts.",
    ),
    "kpi_times_help": (
        "Délais comptés depuis la demande de transfert; médiane et 90e centile (une personne sur dix a attendu "
        "plus longtemps).",
        "Times counted from the handoff request; median and 90th percentile (one resident in ten waited longer).",
    ),
    "kpi_conversations": ("Conversations", "Conversations"),
    "kpi_without_person": ("Répondues sans personne", "Answered without a person"),
    "kpi_handoffs": ("Transferts au personnel", "Handoffs to staff"),
    "kpi_not_understood": ("Non comprises", "Not understood"),
    "kpi_emergencies": ("Urgences", "Emergencies"),
    "kpi_after_hours": ("Hors des heures d'ouverture", "After office hours"),
    "kpi_first_reply": ("Délai de première réponse du personnel", "Time to first staff reply"),
    "kpi_closed": ("Délai de fermeture du transfert", "Time to close the handoff"),
    "kpi_median": ("médiane", "median"),
    "kpi_p90": ("90e centile", "90th percentile"),
    "kpi_measured": ("{count} mesurés", "{count} measured"),
    "weekly_trend": ("Tendance hebdomadaire", "Weekly trend"),
    "week_of": ("Semaine du", "Week of"),
    "language_fr": ("Français", "French"),
    "language_en": ("Anglais", "English"),
    "language_other": ("Ni français ni anglais", "Neither French nor English"),
    "times": ("Fois", "Times"),
    "text": ("Texte", "Text"),
    "add_user": ("Ajouter un utilisateur", "Add a user"),
    "user_added": ("Utilisateur ajouté.", "User added."),
    "user_removed": ("Utilisateur retiré.", "User removed."),
    "cannot_remove_self": ("Vous ne pouvez pas retirer votre propre compte.", "You cannot remove your own account."),
    "refused_name": (
        "Nom refusé : lettres, chiffres et . _ - @ seulement, 80 caractères au plus.",
        "Name refused: letters, digits and . _ - @ only, at most 80 characters.",
    ),
    "refused_role": ("Rôle inconnu.", "Unknown role."),
    "refused_password": (
        "Mot de passe trop court : 10 caractères au moins.",
        "Password too short: 10 characters at least.",
    ),
    "refused_taken": ("Ce nom d'utilisateur existe déjà.", "This user name already exists."),
    "flag_emergency": ("Urgence (9-1-1)", "Emergency (9-1-1)"),
    "flag_municipal_emergency": ("Urgence municipale", "Municipal emergency"),
    "flag_handoff": ("Transfert au personnel", "Handoff to staff"),
    "flag_handoff:open": ("Transfert ouvert", "Handoff open"),
    "flag_handoff:closed": ("Transfert fermé", "Handoff closed"),
    "flag_handoff:none": ("Sans transfert (répondue sans personne)", "No handoff (answered without a person)"),
    "flag_handoff:replied": ("Transfert avec réponse du personnel", "Handoff replied to by staff"),
    "flag_emergency:any": ("Urgence (toute)", "Emergency (any)"),
    "flag_fallback": ("Non compris", "Not understood"),
    "flag_after_hours": ("Hors des heures d'ouverture", "After office hours"),
    "flag_outage": ("Reçu pendant une panne", "Received during an outage"),
    "flag_reply_not_delivered": ("Réponse refusée par la plateforme", "Reply refused by the platform"),
    "flag_netiquette": ("Nétiquette", "Netiquette"),
    "flag_netiquette:abuse": ("Nétiquette : propos injurieux", "Netiquette: abuse"),
    "flag_netiquette:political": ("Nétiquette : partisanerie politique", "Netiquette: partisan politics"),
    "flag_netiquette:solicitation": ("Nétiquette : sollicitation", "Netiquette: solicitation"),
    "flag_netiquette:personal_information": (
        "Nétiquette : renseignements personnels",
        "Netiquette: personal information",
    ),
    "flag_netiquette:illegal": ("Nétiquette : contenu illégal", "Netiquette: illegal content"),
    "flag_netiquette:threat": ("Nétiquette : menace", "Netiquette: threat"),
    "flag_netiquette:repeated": ("Nétiquette : commentaire répété", "Netiquette: repeated comment"),
    "flag_auto_hidden": ("Masqué automatiquement", "Hidden automatically"),
    # The moderation queue (review/routes/moderation.py).
    "moderation": ("Modération", "Moderation"),
    "moderation_help": (
        "Commentaires publics (Facebook, X) contraires à la nétiquette, ceux que l'assistant a masqués d'abord. "
        "Masquer est réversible; supprimer et bannir demandent un motif. Chaque action est consignée.",
        "Public comments (Facebook, X) that break the netiquette, those the assistant hid first. Hiding can be "
        "undone; deleting and banning need a reason. Every action is recorded.",
    ),
    "moderation_empty": ("Aucun commentaire à modérer.", "No comment to moderate."),
    "moderation_rule": ("Règle", "Rule"),
    "moderation_author": ("Auteur (identifiant de plateforme)", "Author (platform id)"),
    "moderation_post": ("Publication", "Post"),
    "moderation_link": ("Lien", "Link"),
    "moderation_open": ("Ouvrir sur la plateforme", "Open on the platform"),
    "moderation_violations": (
        "{count} manquement(s) en {days} jours",
        "{count} violation(s) in {days} days",
    ),
    "step_reminder": ("Étape suivante : rappel de la nétiquette", "Next step: netiquette reminder"),
    "step_hide": ("Étape suivante : masquer", "Next step: hide"),
    "step_ban_proposal": ("Étape suivante : proposer un bannissement", "Next step: propose a ban"),
    "moderation_reason": ("Motif (facultatif)", "Reason (optional)"),
    "moderation_delete_reason": ("Motif de la suppression", "Reason for deleting"),
    "moderation_ban_reason": ("Motif du bannissement", "Reason for the ban"),
    "moderation_hide": ("Masquer", "Hide"),
    "moderation_unhide": ("Rétablir", "Restore"),
    "moderation_delete": ("Supprimer", "Delete"),
    "moderation_ban": ("Bannir l'auteur", "Ban the author"),
    "moderation_hidden_by_assistant": ("Masqué par l'assistant", "Hidden by the assistant"),
    "moderation_state_hidden": ("Masqué", "Hidden"),
    "moderation_state_visible": ("Visible", "Visible"),
    "moderation_state_deleted": ("Supprimé", "Deleted"),
    "moderation_state_banned": ("Auteur banni", "Author banned"),
    "moderation_done_hide": ("Commentaire masqué.", "Comment hidden."),
    "moderation_done_unhide": ("Commentaire rétabli.", "Comment restored."),
    "moderation_done_delete": ("Commentaire supprimé.", "Comment deleted."),
    "moderation_done_ban": ("Auteur banni de la page.", "Author banned from the Page."),
    "moderation_failed": (
        "La plateforme n'a pas accepté l'action, même après de nouvelles tentatives :",
        "The platform did not take the action, even after retrying:",
    ),
    "moderation_reason_needed": ("Un motif est requis.", "A reason is required."),
    "moderation_not_found": ("Commentaire introuvable dans la file.", "Comment not found in the queue."),
    "moderation_not_hideable": (
        "X ne permet de masquer que les réponses aux publications de la Ville.",
        "X lets the City hide only replies to its own posts.",
    ),
    "moderation_audit_csv": ("Exporter le journal de modération (CSV)", "Export the moderation log (CSV)"),
    "platform_facebook": ("Facebook", "Facebook"),
    "platform_x": ("X", "X"),
    "queue": ("À traiter", "To do"),
    "mine": ("Mes conversations", "Mine"),
    "mine_count": ("Mes conversations ({count})", "Mine ({count})"),
    "holder": ("Responsable", "Held by"),
    "nobody": ("Personne", "Nobody"),
    "take": ("Je m'en occupe", "Take it"),
    "release": ("Libérer", "Release"),
    "assign_to": ("Confier à", "Assign to"),
    "assign": ("Confier", "Assign"),
    "change_assigned": ("confiée à", "assigned to"),
    "change_unassigned": ("n'est plus confiée à", "no longer assigned to"),
    "all_conversations": ("Toutes les conversations", "All conversations"),
    "open_work": ("À traiter : {count}", "To do: {count}"),
    "waiting_handoffs": ("Transferts en attente d'un membre du personnel", "Handoffs waiting for staff"),
    "waiting_handoffs_help": (
        "Les plus anciens d'abord; « promis pour » est la fin du jour ouvrable annoncé au résident.",
        'Oldest first; "promised by" is the end of the business day the resident was told.',
    ),
    "asked_at": ("Demandé le", "Asked"),
    "age": ("Attente", "Waiting"),
    "deadline": ("Promis pour", "Promised by"),
    "overdue": ("En retard", "Overdue"),
    "overdue_count": ("{count} en retard", "{count} overdue"),
    "no_handoff_waiting": ("Aucun transfert en attente.", "No handoff waiting."),
    "to_review": ("Signalements à réviser", "Flagged, to review"),
    "to_review_help": (
        "Nétiquette, messages non compris… pas encore révisés, les plus récents d'abord.",
        "Netiquette, messages not understood… not reviewed yet, newest first.",
    ),
    "nothing_to_review": ("Aucun signalement à réviser.", "Nothing flagged to review."),
    "answered_emergencies": (
        "Urgences auxquelles l'assistant a répondu (non révisées)",
        "Emergencies the assistant answered (not reviewed)",
    ),
    "see_all": ("Tout voir ({count})", "See all ({count})"),
    "language_unknown": ("? (autre ou inconnue)", "? (other or unknown)"),
    "edit": ("Modifier", "Edit"),
    "save": ("Enregistrer", "Save"),
    "delete": ("Supprimer", "Delete"),
    "edited": ("modifiée", "edited"),
    # replying to residents and take-overs (review/routes/reply.py)
    "reply_title": ("Répondre au résident", "Reply to the resident"),
    "reply_help": (
        "La réponse part par le canal où le résident a écrit ({channel}), en votre nom de membre du personnel. "
        "Écrivez-la en {language}.",
        "The reply goes out through the channel the resident wrote on ({channel}), as a staff member's. "
        "Write it in {language}.",
    ),
    "reply_text": ("Votre réponse", "Your reply"),
    "in_fr": ("français", "French"),
    "in_en": ("anglais", "English"),
    "in_unknown": ("français et en anglais (langue inconnue)", "French and English (language unknown)"),
    "reply_facts": ("Ajouter des coordonnées de la Ville", "Add the City's contacts"),
    "reply_close_handoff": ("Fermer le transfert avec cette réponse", "Close the handoff with this reply"),
    "reply_hand_back": (
        "Rendre la conversation à l'assistant après l'envoi",
        "Hand the conversation back to the assistant after sending",
    ),
    "reply_send": ("Envoyer au résident", "Send to the resident"),
    "reply_empty": (
        "La réponse est vide : écrivez quelques mots avant d'envoyer.",
        "The reply is empty: write a few words before sending.",
    ),
    "reply_too_long": (
        "La réponse dépasse {limit} caractères; raccourcissez-la.",
        "The reply is over {limit} characters; please shorten it.",
    ),
    "reply_outcome_sent": ("Réponse envoyée au résident.", "Reply sent to the resident."),
    "reply_outcome_not_delivered": (
        "Réponse conservée, mais le canal du résident ne l'a pas acceptée (page fermée, message privé refusé…).",
        "Reply kept, but the resident's channel did not take it (page closed, direct message refused…).",
    ),
    "reply_outcome_stored": (
        "Réponse conservée : l'appelant REST la relève.",
        "Reply kept: the REST caller fetches it.",
    ),
    # Why a channel refused a reply (`reply_reason`, pointe_claire/channels/staff_delivery.py Undeliverable): the
    # outcome, then the transcript's.
    "reply_reason_messenger_window_closed": (
        "Réponse conservée, mais non envoyée : Messenger refuse toute réponse plus de 7 jours après le dernier "
        "message du résident (il doit écrire de nouveau).",
        "Reply kept but not sent: Messenger refuses any reply more than 7 days after the resident's last message "
        "(they must write again).",
    ),
    "not_delivered_messenger_window_closed": (
        "plus de 7 jours après le dernier message du résident (Messenger)",
        "over 7 days after the resident's last message (Messenger)",
    ),
    "reply_reason_private_reply_unavailable": (
        "Réponse conservée, mais non envoyée : elle contient des renseignements personnels, qui ne vont qu'en privé, "
        "et Facebook ne permet qu'une réponse privée par commentaire, dans les 7 jours (déjà envoyée ou trop tard). "
        "Répondez publiquement sans renseignements personnels, ou par Messenger si le résident y a écrit.",
        "Reply kept but not sent: it holds personal information, which only goes in private, and Facebook allows "
        "one private reply per comment, within 7 days (already sent or too late). Reply publicly without personal "
        "information, or in Messenger if the resident wrote there.",
    ),
    "not_delivered_private_reply_unavailable": (
        "renseignements personnels, et plus de réponse privée possible à ce commentaire (Facebook)",
        "personal information, and no private reply possible to this comment any more (Facebook)",
    ),
    "reply_public_thread": (
        "Cette réponse sera publique, sous le fil de commentaires sur Facebook. Si elle contient des renseignements "
        "personnels (téléphone, courriel, adresse…), elle part plutôt en réponse privée au dernier commentaire du "
        "résident, et rien n'est publié.",
        "This reply will be public, under the comment thread on Facebook. If it holds personal information (phone, "
        "e-mail, address…), it goes instead as a private reply to the resident's last comment, and nothing is posted.",
    ),
    "staff_member": ("Personnel", "Staff"),
    "not_delivered": ("non remise", "not delivered"),
    "held_message": (
        "reçu pendant une prise en main : l'assistant n'a pas répondu",
        "received during a take-over: the assistant did not answer",
    ),
    "takeover_title": ("Prise en main", "Take-over"),
    "takeover_held": (
        "L'assistant se tait dans cette conversation : {name} la tient jusqu'à {until} "
        "(sauf urgence : il donne les numéros).",
        "The assistant is silent in this conversation: {name} holds it until {until} "
        "(except an emergency: it gives the numbers).",
    ),
    "takeover_none": ("L'assistant répond dans cette conversation.", "The assistant answers in this conversation."),
    "takeover_unknown": (
        "État de la prise en main inconnu (magasin de conversations injoignable).",
        "Take-over state unknown (conversation store unreachable).",
    ),
    "take_over": ("Prendre en main (l'assistant se tait)", "Take over (the assistant stays silent)"),
    "hand_back": ("Rendre à l'assistant", "Hand back to the assistant"),
    "held_by_colleague": (
        "Un ou une collègue tient cette conversation : seul un administrateur peut y répondre ou la rendre.",
        "A colleague holds this conversation: only an administrator may reply in it or hand it back.",
    ),
    "assistant_not_configured": (
        "Les réponses depuis la révision ne sont pas configurées (ASSISTANT_STAFF_TOKEN). Rien n'a été envoyé.",
        "Replying from the review app is not configured (ASSISTANT_STAFF_TOKEN). Nothing was sent.",
    ),
    "assistant_unreachable": (
        "L'assistant est injoignable pour le moment. Rien n'a été envoyé; réessayez dans une minute.",
        "The assistant cannot be reached right now. Nothing was sent; try again in a minute.",
    ),
    "change_replied": ("réponse envoyée", "reply sent"),
    "change_taken_over": ("prise en main", "taken over"),
    "change_handed_back": ("rendue à l'assistant", "handed back to the assistant"),
    "fact_phone_general": ("Renseignements et requêtes", "Information and requests"),
    "fact_phone_municipal_emergency": ("Urgence municipale (24 h sur 24)", "Municipal emergency (24/7)"),
    "fact_phone_emergency": ("Urgence", "Emergency"),
    "fact_email_communications": ("Communications", "Communications"),
    "fact_web_home": ("Site de la Ville", "City website"),
    "fact_app_reporting": ("Application de signalement", "Reporting app"),
    "fact_address_city_hall": ("Hôtel de ville", "City Hall"),
    "change_note_edited": ("note modifiée", "note edited"),
    "change_note_deleted": ("note supprimée", "note deleted"),
    "not_your_note": (
        "Seuls l'auteur d'une note et les administrateurs peuvent la modifier ou la supprimer.",
        "Only a note's author and administrators can edit or delete it.",
    ),
    # Privacy (Law 25): retention, deletion requests, the audit log.
    "privacy": ("Confidentialité", "Privacy"),
    "privacy_retention": (
        "Les conversations et les données de révision sont conservées {days} jours, puis supprimées (make purge).",
        "Conversations and review data are kept {days} days, then deleted (make purge).",
    ),
    "privacy_forget": ("Supprimer les conversations d'un résident", "Delete a resident's conversations"),
    "privacy_forget_help": (
        "À la demande d'un résident : par identifiant de conversation, ou par canal et identifiant sur la plateforme."
        " Tout est supprimé de la base des conversations et des tables de révision ; le journal ne garde que la"
        " référence et les nombres.",
        "At a resident's request: by conversation id, or by channel and platform id. Everything is deleted from the"
        " conversation store and the review tables; the log keeps only the reference and the counts.",
    ),
    "privacy_reference": (
        "Référence de la demande (numéro de dossier, jamais un nom)",
        "Request reference (a file number, never a name)",
    ),
    "privacy_or": ("ou", "or"),
    "privacy_platform_id": ("Identifiant sur la plateforme", "Platform id"),
    "privacy_confirm": ("Je confirme la suppression définitive.", "I confirm the permanent deletion."),
    "privacy_forget_button": ("Supprimer", "Delete"),
    "privacy_done": ("Demande traitée et inscrite au journal.", "Request carried out and logged."),
    "privacy_confirm_needed": ("Cochez la case de confirmation.", "Tick the confirmation box."),
    "privacy_bad_reference": (
        "Référence : de 1 à 40 lettres, chiffres, . _ / # -, avec au moins un chiffre.",
        "Reference: 1 to 40 letters, digits, . _ / # -, with at least one digit.",
    ),
    "privacy_bad_platform_id": (
        "Donnez un identifiant de conversation, ou un canal et un identifiant sur la plateforme.",
        "Give a conversation id, or a channel and a platform id.",
    ),
    "privacy_delete_conversation": (
        "Supprimer cette conversation (demande d'un résident)",
        "Delete this conversation (a resident's request)",
    ),
    "audit_log": ("Journal d'audit", "Audit log"),
    "audit_when": ("Date", "When"),
    "audit_action": ("Action", "Action"),
    "audit_rows": ("Lignes", "Rows"),
    "audit_detail": ("Détails", "Details"),
    "audit_export_csv": ("Exportation CSV", "CSV export"),
    "audit_export_jsonl": ("Exportation JSON Lines", "JSON Lines export"),
    "audit_export_training": ("Exportation pour l'entraînement", "Training export"),
    "audit_purge": ("Purge (conservation)", "Purge (retention)"),
    "audit_forget": ("Suppression à la demande", "Deletion on request"),
    "audit_alert_published": ("Alerte publiée", "Alert published"),
    "audit_alert_edited": ("Alerte modifiée", "Alert edited"),
    "audit_alert_lifted": ("Alerte levée", "Alert lifted"),
    "alert_published": ("Alerte publiée et inscrite au journal.", "Alert published and logged."),
    "alert_edited": ("Alerte modifiée et inscrite au journal.", "Alert edited and logged."),
    "alert_lifted": ("Alerte levée et inscrite au journal.", "Alert lifted and logged."),
    "alerts": ("Alertes", "Alerts"),
    "alerts_help": (
        "Pendant un incident (avis d'ébullition, inondation), une alerte répond d'abord aux messages qui contiennent "
        "ses expressions, dans la langue du résident, et s'affiche sur la page de clavardage.",
        "During an incident (boil-water notice, flood), an alert answers first the messages that hold its phrases, in "
        "the resident's language, and shows on the web chat page.",
    ),
    "alerts_running": ("En cours", "Running"),
    "alerts_other": ("À venir et passées", "Upcoming and past"),
    "alert_publish": ("Publier une alerte", "Publish an alert"),
    "alert_publish_button": ("Publier", "Publish"),
    "alert_edit": ("Modifier l'alerte", "Edit the alert"),
    "alert_edit_button": ("Enregistrer", "Save"),
    "alert_lift_button": ("Lever l'alerte maintenant", "Lift the alert now"),
    "alert_french": ("Français", "French"),
    "alert_english": ("Anglais", "English"),
    "alert_title": ("Titre court", "Short title"),
    "alert_text": ("Texte", "Text"),
    "alert_short": ("Forme courte (réponses publiques)", "Short form (public replies)"),
    "alert_short_help": (
        "120 caractères au plus; vide : le titre suivi du lien.",
        "120 characters at most; blank: the title followed by the link.",
    ),
    "alert_phrases": ("Expressions", "Phrases"),
    "alert_phrases_help": (
        "Une expression par ligne, dans la syntaxe des lexiques : eau|aqueduc ...3 potable, bouill*, "
        "donegani ...2 ferm*. Au moins une par langue.",
        "One phrase a line, in the lexicons' syntax: water ...3 safe|drinkable, boil*, donegani ...2 closed. At "
        "least one per language.",
    ),
    "alert_link": ("Lien (facultatif)", "Link (optional)"),
    "alert_starts": ("Début", "Start"),
    "alert_ends": ("Fin", "End"),
    "alert_ends_help": ("Vide : jusqu'à ce qu'elle soit levée.", "Blank: until lifted."),
    "alert_until_lifted": ("Jusqu'à ce qu'elle soit levée", "Until lifted"),
    "alert_lifted_at": ("Levée le", "Lifted"),
    "alert_messages": ("Messages", "Messages"),
    "alert_running": ("Cette alerte est en cours.", "This alert is running."),
    "alert_not_running": ("Cette alerte n'est pas en cours.", "This alert is not running."),
    "alert_published_by": ("Publiée par", "Published by"),
    "alert_edited_by": ("Modifiée par", "Edited by"),
    "alert_lifted_by": ("Levée par", "Lifted by"),
    "alert_conversations": ("Conversations ({count})", "Conversations ({count})"),
    "alert_title_needed": ("Le titre est requis dans les deux langues.", "The title is required in both languages."),
    "alert_text_needed": ("Le texte est requis dans les deux langues.", "The text is required in both languages."),
    "alert_title_too_long": ("Le titre dépasse 80 caractères.", "The title is over 80 characters."),
    "alert_text_too_long": ("Le texte dépasse 1 000 caractères.", "The text is over 1,000 characters."),
    "alert_short_too_long": ("La forme courte dépasse 120 caractères.", "The short form is over 120 characters."),
    "alert_link_invalid": ("Le lien doit commencer par https://.", "The link must start with https://."),
    "alert_time_invalid": ("Date ou heure invalide.", "Invalid date or time."),
    "alert_end_before_start": ("La fin doit suivre le début.", "The end must come after the start."),
    "alert_phrase_error": ("Expression invalide :", "Invalid phrase:"),
    "select_conversation": ("Choisir la conversation {id}", "Select conversation {id}"),
    "select_all": ("Tout choisir sur cette page", "Select all on this page"),
    "bulk_title": ("Traiter les conversations cochées", "Act on the ticked conversations"),
    "bulk_help": (
        "Cochez des conversations dans les listes ci-dessous, puis choisissez quoi faire.",
        "Tick conversations in the lists below, then choose what to do.",
    ),
    "bulk_action": ("Action", "Action"),
    "bulk_apply": ("Appliquer aux conversations cochées", "Apply to the ticked conversations"),
    "bulk_bad_action": ("Action inconnue.", "Unknown action."),
    "bulk_no_tag": ("Écrivez l'étiquette à ajouter.", "Write the tag to add."),
    "bulk_none": ("Aucune conversation cochée.", "No conversation ticked."),
    "notice_bulk": ("Conversations modifiées : {count}.", "Conversations changed: {count}."),
    "notice_view_saved": ("Vue enregistrée.", "View saved."),
    "notice_view_deleted": ("Vue supprimée.", "View deleted."),
    "saved_views": ("Mes vues enregistrées", "My saved views"),
    "no_saved_view": (
        "Aucune vue enregistrée : filtrez la liste, puis enregistrez-la sous un nom.",
        "No saved view yet: filter the list, then save it under a name.",
    ),
    "view_name": ("Nom de la vue", "View name"),
    "save_view": ("Enregistrer ces filtres comme vue", "Save these filters as a view"),
    "delete_view": ("Supprimer la vue {name}", "Delete the view {name}"),
    "view_refused": (
        "Vue refusée : donnez-lui un nom (50 vues au plus par personne).",
        "View refused: give it a name (50 views at most per person).",
    ),
    "save_and_next": ("Marquer révisée et passer à la suivante", "Mark reviewed and go to the next"),
    "previous_conversation": ("Conversation précédente", "Previous conversation"),
    "next_conversation": ("Conversation suivante", "Next conversation"),
    "shortcuts": ("Raccourcis clavier", "Keyboard shortcuts"),
    "shortcuts_button": ("Raccourcis (?)", "Shortcuts (?)"),
    "close": ("Fermer", "Close"),
    "key_next": ("conversation suivante (liste : ligne suivante)", "next conversation (list: next row)"),
    "key_previous": (
        "conversation précédente (liste : ligne précédente)",
        "previous conversation (list: previous row)",
    ),
    "key_open": ("ouvrir la conversation de la ligne choisie", "open the conversation of the chosen row"),
    "key_select": ("cocher ou décocher la ligne choisie", "tick or untick the chosen row"),
    "key_reviewed": ("marquer révisée", "mark reviewed"),
    "key_save_next": ("marquer révisée et passer à la suivante", "mark reviewed and go to the next"),
    "key_back": ("retour à la liste", "back to the list"),
    "key_search": ("aller à la recherche", "go to search"),
    "key_help": ("afficher ou fermer cette aide", "show or close this help"),
    "shortcuts_help": (
        "Les raccourcis ne s'appliquent pas pendant la saisie dans un champ.",
        "Shortcuts do not apply while typing in a field.",
    ),
    # Details of a flag (transcript): their names, and the values that are words rather than data.
    "detail_reason": ("motif", "reason"),
    "detail_status": ("état", "status"),
    "detail_at": ("date", "time"),  # of a handoff's request, of a repeated comment
    "detail_language": ("langue", "language"),
    "detail_phrase": ("expression", "phrase"),
    "detail_rule": ("règle", "rule"),
    "detail_threat": ("menace", "threat"),
    "detail_intent": ("intention", "intent"),
    "detail_evidence": ("indice", "evidence"),
    "status_open": ("ouvert", "open"),
    "status_closed": ("fermé", "closed"),
    "reason_asked_for_person": ("a demandé à parler à une personne", "asked for a person"),
    "reason_not_understood_twice": ("non compris deux fois de suite", "not understood twice in a row"),
    "reason_tracker_store_unreachable": (
        "base de données des conversations injoignable",
        "conversation database unreachable",
    ),
    "reason_lock_store_unreachable": ("Redis injoignable", "Redis unreachable"),
    "reason_after_spooled_events": (
        "en attente derrière des messages de la panne",
        "waiting behind messages of the outage",
    ),
    "value_True": ("oui", "yes"),
    "value_False": ("non", "no"),
    "value_life_threatening": ("urgence vitale", "life-threatening"),
    "value_municipal": ("urgence municipale", "municipal"),
}

# What each intent of domain.yml means, for staff (French, English); a check holds it to domain.yml's list.
INTENT_LABELS: Mapping[str, tuple[str, str]] = {
    "greet": ("Salutation", "Greeting"),
    "goodbye": ("Au revoir", "Goodbye"),
    "thank": ("Remerciement", "Thanks"),
    "ask_is_bot": ("Demande si c'est un robot", "Asks whether it is a bot"),
    "report_life_threatening_emergency": ("Urgence vitale (9-1-1)", "Life-threatening emergency (9-1-1)"),
    "report_municipal_emergency": ("Urgence municipale", "Municipal emergency"),
    "report_problem": ("Signale un problème", "Reports a problem"),
    "ask_city_services": ("Services municipaux", "City services"),
    "ask_media_relations": ("Relations avec les médias", "Media relations"),
    "ask_council": ("Conseil municipal", "City council"),
    "ask_events": ("Activités et événements", "Events and activities"),
    "request_event_promotion": ("Demande de promotion d'un événement", "Asks to promote an event"),
    "ask_jobs": ("Emplois", "Jobs"),
    "ask_public_notices": ("Avis publics", "Public notices"),
    "ask_logo_use": ("Utilisation du logo", "Use of the logo"),
    "ask_hyperlinks": ("Hyperliens dans les commentaires", "Links in comments"),
    "ask_privacy": ("Confidentialité", "Privacy"),
    "ask_following_meaning": ("Sens d'un abonnement de la Ville", "What the City following an account means"),
    "ask_response_time": ("Délai de réponse", "Response time"),
    "ask_comment_removed": ("Commentaire retiré", "Comment removed"),
    "out_of_scope": ("Hors sujet", "Out of scope"),
    "ask_for_human": ("Demande à parler à une personne", "Asks for a person"),
    "ask_emergency_numbers": ("Numéros d'urgence (bouton du clavardage)", "Emergency numbers (web chat button)"),
    "other_language": ("Autre langue", "Other language"),
    "netiquette_violation": ("Manquement à la nétiquette", "Netiquette breach"),
    "partisan_comment": ("Commentaire partisan", "Partisan comment"),
    "abusive_comment": ("Commentaire injurieux", "Abusive comment"),
    "advertising_or_spam": ("Publicité ou pourriel", "Advertising or spam"),
    "nlu_fallback": ("Non compris", "Not understood"),
}


def reply_reason(value: Any) -> str:
    """A refused staff reply's reason (the assistant's staff endpoint gives it, `Undeliverable`) that staff have
    words for; "" for none or one unknown here."""
    return value if isinstance(value, str) and f"reply_reason_{value}" in STRINGS else ""


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the browser's first of French or English, else French."""
    if cookie in LANGUAGES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


class Translator:
    """`t("key", **values)` in one language; a missing key shows as itself (never an error page)."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._index = LANGUAGES.index(self.language)

    def __call__(self, key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        text = pair[self._index] if pair else key
        return text.format(**values) if values else text

    def flag(self, key: str) -> str:
        """A flag key's label; an unknown kind is shown as its raw name."""
        return self(f"flag_{key}") if f"flag_{key}" in STRINGS else key

    def intent(self, name: str | None) -> str:
        """An intent's label; an intent without one (renamed, or not in domain.yml yet) by its raw name."""
        pair = INTENT_LABELS.get(name or "")
        return pair[self._index] if pair else (name or "?")

    def percent(self, value: float | None) -> str:
        """'42,3 %' in French, '42.3%' in English; '–' when there is nothing to divide."""
        if value is None:
            return "–"
        return f"{value:.1f}".replace(".", ",") + " %" if self.language == "fr" else f"{value:.1f}%"

    def language_name(self, code: str | None) -> str:
        return self("language_unknown") if code in (None, "", "?") else str(code)

    def details(self, details: Mapping[str, Any], closed: bool | None = None) -> list[str]:
        """A flag's details as staff read them: "motif : a demandé à parler à une personne", a handoff's state as
        it is now (`closed`, not the "open" recorded when it was asked for), its time in Montréal time. Names and
        values without a label show as stored."""
        lines = []
        for name, value in sorted(details.items()):
            if name == "kind":
                continue
            if name == "status" and closed is not None:
                shown = self("status_closed" if closed else "status_open")
            elif name == "at":
                shown = _local_minute(value)
            elif name == "reason" and f"reason_{value}" in STRINGS:
                shown = self(f"reason_{value}")
            elif name == "intent" and isinstance(value, str):
                shown = self.intent(value)
            elif f"value_{value}" in STRINGS:
                shown = self(f"value_{value}")
            else:
                shown = str(value)
            label = self(f"detail_{name}") if f"detail_{name}" in STRINGS else name
            separator = " : " if self.language == "fr" and f"detail_{name}" in STRINGS else ": "
            lines.append(f"{label}{separator}{shown}")
        return lines


def _local_minute(value: Any) -> str:
    """An ISO 8601 time as "2026-11-21 22:00" in Montréal; anything else as it is."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M")
