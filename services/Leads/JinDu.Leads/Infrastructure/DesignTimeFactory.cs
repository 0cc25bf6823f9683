namespace JinDu.Leads.Infrastructure;

internal sealed class DesignTimeFactory : JinDu.BuildingBlocks.Data.PostgresDesignTimeFactory<LeadsDbContext>;
