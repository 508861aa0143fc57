"""Pure chart and map builders (-> go.Figure / pdk.Deck), tested without Streamlit."""
