// Every service sees the domain vocabulary through ServiceKit; domains import DomainKit alone.
@_exported import DomainKit
