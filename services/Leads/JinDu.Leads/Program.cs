using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("leads");
builder.AddLeads();
builder.AddJinDuBus("leads", bus => bus.AddLeadsConsumers());
// Leads applies its own WatchlistChanged from its outbox (WatchlistProjection) since 2026-12-05: the queue it took them
// back from is gone.
builder.RetireQueues("leads-watchlist-changed");

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapLeadsApi();
app.Run();
