from gateway.core.errors import BadRequest, Conflict


class EventIdReused(Conflict):
    code, title = "event-id-reused", "This event id was used for a different event"


class InvalidEvent(BadRequest):
    code, title = "invalid-event", "The event does not fit the calendar"
