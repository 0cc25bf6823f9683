using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Extensions;
using JinDu.Leads.Extensions;
using JinDu.Screening.Extensions;
using JinDu.Screening.Watchlist;
using JinDu.Standalone;

var builder = WebApplication.CreateBuilder(args);
builder.AddStandaloneDefaults();
builder.AddServiceDefaults("standalone");
builder.AddLocalTokenIssuer();
builder.AddScreening();
builder.AddLeads();
builder.AddCooperation();
builder.AddJinDuBus("jindu", bus => bus.AddLeadsConsumers().AddCooperationConsumers());
builder.Services.AddScoped<IWatchlistLookup, InProcessWatchlistLookup>();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapLocalTokenIssuer();
app.MapScreeningApi();
app.MapLeadsApi();
app.MapCooperationApi();
app.PrintBannerOnStart();
app.Run();
